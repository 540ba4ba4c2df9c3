package dev.rapport.segment.privacy;

import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress.State;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * segment-service's part of a data-subject request (privacy.dsr; the subject is a profile id): erasure removes what
 * it holds about the person exactly as an erased profile on profile.changes does, memberships leaving announced; the
 * erasure check counts what is still held; access and portability count memberships and RFM scores and point at
 * SegmentService.ListMemberships. Each outcome, failures included, is reported on privacy.dsr.progress; a request
 * naming other services only is not this service's. A request read twice reports twice and changes nothing more.
 */
@ApplicationScoped
public class DataSubjectRequests {
    static final String SERVICE = "segment-service";
    static final String PROGRESS = "dev.rapport.privacy.dsr.progress.v1";

    private final ProfileEraser eraser;
    private final MutinyEmitter<DataSubjectRequestProgress> progress;

    DataSubjectRequests(ProfileEraser eraser, @Channel("privacy-dsr-progress") MutinyEmitter<DataSubjectRequestProgress> progress) {
        this.eraser = eraser;
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
                    .map(erased -> Outcome.completed(erased, erased == 0 ? "nothing held" : "memberships, scores and projection erased"))
                    .onFailure().recoverWithItem(Outcome.failed("erasure failed; nothing was erased, retry the request"));
            case ERASURE_CHECK -> eraser.held(subject)
                    .map(held -> Outcome.completed(held.total(), stillHeld(held.tables()) + (held.erasedIds() == 0 ? ""
                            : "; kept: erased_profile: " + held.erasedIds() + " (the bare erased id, so that late events about it are dropped)")))
                    .onFailure().recoverWithItem(Outcome.failed("the check failed; nothing was changed, retry it"));
            case ACCESS, PORTABILITY -> eraser.held(subject)
                    .map(held -> held.tables().getOrDefault("membership", 0L) + held.tables().getOrDefault("rfm_score", 0L))
                    .map(found -> Outcome.completed(found, found == 0 ? "nothing held" : "export ready: SegmentService.ListMemberships"))
                    .onFailure().recoverWithItem(Outcome.failed("counting memberships failed; retry the request"));
            case RECTIFICATION -> Uni.createFrom().item(Outcome.completed(0,
                    "attributes are copies of profile-service's: a correction there (UpdateAttributes) reaches segments on profile.changes"));
            case RESTRICTION, OBJECTION -> Uni.createFrom().item(Outcome.completed(0,
                    "takes effect through privacy.consent, which the gateway updates: segments then leave out whoever has no basis for their purpose"));
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

    /** "still held: event: 3, membership: 1" — where, never what — or "nothing held". */
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
