package dev.rapport.campaign.privacy;

import java.util.Map;
import java.util.List;
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
 * campaign-service's part of a data-subject request (privacy.dsr; the subject is a profile id): erasure deletes the
 * person's deliveries and support experience (a send under way finishes first, none starts after); the erasure check
 * counts what is still held; access and portability count it and point at CampaignService.ExportRecipient. Each
 * outcome, failures included, is reported on privacy.dsr.progress; a request naming other services only is not this
 * service's. A request read twice reports twice and changes nothing more.
 */
@ApplicationScoped
public class DataSubjectRequests {
    static final String SERVICE = "campaign-service";
    static final String PROGRESS = "dev.rapport.privacy.dsr.progress.v1";

    private final Recipients recipients;
    private final MutinyEmitter<DataSubjectRequestProgress> progress;

    DataSubjectRequests(Recipients recipients, @Channel("privacy-dsr-progress") MutinyEmitter<DataSubjectRequestProgress> progress) {
        this.recipients = recipients;
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
        UUID[] profiles = profiles(subject, request);
        // A failure is said out loud, so that the gateway retries; never left to a dead-letter topic nobody reads.
        Uni<Outcome> outcome = switch (request.getKind()) {
            case ERASURE -> recipients.erase(profiles)
                    .map(erased -> Outcome.completed(erased, erased == 0 ? "nothing held" : "deliveries and support experience erased"))
                    .onFailure().recoverWithItem(Outcome.failed("erasure failed; nothing was erased, retry the request"));
            case ERASURE_CHECK -> recipients.held(profiles)
                    .map(held -> Outcome.completed(total(held), stillHeld(held)))
                    .onFailure().recoverWithItem(Outcome.failed("the check failed; nothing was changed, retry it"));
            case ACCESS, PORTABILITY -> recipients.held(profiles)
                    .map(held -> Outcome.completed(total(held), held.isEmpty() ? "nothing held" : "export ready: CampaignService.ExportRecipient"))
                    .onFailure().recoverWithItem(Outcome.failed("counting what is held failed; retry the request"));
            case RECTIFICATION -> Uni.createFrom().item(Outcome.completed(0,
                    "campaign-service keeps no attributes: each message is rendered from the profile when it is sent"));
            case RESTRICTION, OBJECTION -> Uni.createFrom().item(Outcome.completed(0,
                    "takes effect through privacy.consent, which the gateway updates: every send checks it and fails closed"));
            default -> Uni.createFrom().item(Outcome.failed("unknown request kind"));
        };
        return outcome.flatMap(done -> report(request, done));
    }

    /** The subject and the profiles merged into it (PROFILE_ID identifiers): deliveries stay under the id they were planned for. */
    static UUID[] profiles(UUID subject, DataSubjectRequest request) {
        java.util.Set<UUID> profiles = new java.util.LinkedHashSet<>(List.of(subject));
        for (var identifier : request.getIdentifiersList()) {
            if (identifier.getType().equals("PROFILE_ID")) {
                try {
                    profiles.add(UUID.fromString(identifier.getValue()));
                } catch (IllegalArgumentException notAnId) {
                    // not one of ours: nothing is held under it
                }
            }
        }
        return profiles.toArray(UUID[]::new);
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

    static long total(Map<String, Long> held) {
        return held.values().stream().mapToLong(Long::longValue).sum();
    }

    /** "still held: delivery: 2" — where, never what — or "nothing held". */
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
