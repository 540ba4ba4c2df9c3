package dev.rapport.profile.privacy.messaging;

import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.rapport.profile.privacy.ProfileEraser;
import dev.rapport.profile.privacy.ProfileExporter;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress.State;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * profile-service's part of a data-subject request from {@code privacy.dsr} (the subject is a profile id): erasure
 * erases the profile; the erasure check counts what is still held about it and under its identifiers; access and
 * portability count what an export holds (the gateway streams it with ExportProfile). Each outcome, failures included,
 * is confirmed on {@code privacy.dsr.progress}; a request naming other services only is not this service's. A request
 * read twice is carried out twice with the same result (erasure of what is gone erases nothing) and confirmed again.
 */
@ApplicationScoped
public class DataSubjectRequestConsumer {
    static final String SERVICE = "profile-service";
    static final String PROGRESS = "dev.rapport.privacy.dsr.progress.v1";

    private final ProfileEraser eraser;
    private final ProfileExporter exporter;
    private final MutinyEmitter<DataSubjectRequestProgress> progress;

    DataSubjectRequestConsumer(ProfileEraser eraser, ProfileExporter exporter,
            @Channel("privacy-dsr-progress") MutinyEmitter<DataSubjectRequestProgress> progress) {
        this.eraser = eraser;
        this.exporter = exporter;
        this.progress = progress;
    }

    @Incoming("privacy-dsr")
    public Uni<Void> carryOut(DataSubjectRequest request) {
        if (!request.getServicesList().isEmpty() && !request.getServicesList().contains(SERVICE)) {
            return Uni.createFrom().voidItem(); // the other services' part: they report, this one stays silent
        }
        UUID subject;
        try {
            subject = UUID.fromString(request.getSubject());
        } catch (IllegalArgumentException e) {
            return report(request, Outcome.failed("the subject is not a profile id"));
        }
        // A failure is said out loud, so that the gateway retries; never left to a dead-letter topic nobody reads.
        Uni<Outcome> outcome = switch (request.getKind()) {
            case ERASURE -> eraser.erase(subject)
                    .map(erased -> Outcome.completed(erased, erased == 0 ? "nothing held" : "profile erased"))
                    .onFailure().recoverWithItem(Outcome.failed("erasure failed; nothing was erased, retry the request"));
            case ERASURE_CHECK -> eraser.held(subject, request.getIdentifiersList())
                    .map(DataSubjectRequestConsumer::checked)
                    .onFailure().recoverWithItem(Outcome.failed("the check failed; nothing was changed, retry it"));
            case ACCESS, PORTABILITY -> exporter.export(subject).collect().with(Collectors.counting())
                    .map(parts -> Outcome.completed(parts, "export ready: ProfileService.ExportProfile"))
                    .onFailure(NotFound.class).recoverWithItem(Outcome.completed(0, "nothing held"))
                    .onFailure().recoverWithItem(Outcome.failed("counting the export failed; retry the request"));
            case RECTIFICATION -> Uni.createFrom().item(Outcome.completed(0, "attributes are corrected with UpdateAttributes"));
            case RESTRICTION, OBJECTION -> Uni.createFrom().item(Outcome.completed(0,
                    "enforced where data is used (segments, campaigns) from the consent view; profile-service keeps the record"));
            default -> Uni.createFrom().item(Outcome.failed("unknown request kind"));
        };
        return outcome.flatMap(done -> report(request, done));
    }

    /** This service's part of a request, as privacy.dsr.progress carries it. */
    record Outcome(State state, long records, String detail) {
        static Outcome completed(long records, String detail) {
            return new Outcome(State.COMPLETED, records, detail);
        }

        static Outcome failed(String detail) {
            return new Outcome(State.FAILED, 0, detail);
        }
    }

    /**
     * What the check found. A profile made since, under one of the person's identifiers (the same email arriving
     * again), is not this erasure's to erase — it may be someone else, or the person back with new consent — so it is
     * named for review and not counted as left: erasing the subject again would never make it go.
     */
    static Outcome checked(Map<String, Long> held) {
        Map<String, Long> left = new java.util.LinkedHashMap<>(held);
        Long another = left.remove(ProfileEraser.SAME_IDENTIFIER);
        String review = another == null ? "" : "; for review, not erased: another profile now carries one of the person's identifiers ("
                + another + " identifier row(s))";
        return Outcome.completed(total(left), stillHeld(left) + review);
    }

    static long total(Map<String, Long> held) {
        return held.values().stream().mapToLong(Long::longValue).sum();
    }

    /** "still held: event: 3, identity: 1" — where, never what — or "nothing held". */
    static String stillHeld(Map<String, Long> held) {
        return held.isEmpty() ? "nothing held"
                : held.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ", "still held: ", ""));
    }

    private Uni<Void> report(DataSubjectRequest request, Outcome outcome) {
        DataSubjectRequestProgress message = DataSubjectRequestProgress.newBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), "rapport/" + SERVICE, PROGRESS, request.getSubject(),
                        request.getRequestId() + "/" + SERVICE + "/" + request.getKind() + "/" + outcome.state()))
                .setRequestId(request.getRequestId()).setService(SERVICE).setKindValue(request.getKindValue()).setState(outcome.state())
                .setRecordsAffected(outcome.records()).setDetail(outcome.detail())
                .build();
        return progress.sendMessage(Message.of(message)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.getSubject()).build()));
    }
}
