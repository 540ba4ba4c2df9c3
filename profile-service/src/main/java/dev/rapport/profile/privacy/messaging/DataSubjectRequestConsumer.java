package dev.rapport.profile.privacy.messaging;

import java.util.UUID;

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
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * profile-service's part of a data-subject request from {@code privacy.dsr} (the subject is a profile id): erasure
 * erases the profile; access and portability count what an export holds (the gateway streams it with
 * ExportProfile). Each outcome is confirmed on {@code privacy.dsr.progress}. A request read twice is carried out
 * twice with the same result (erasure of what is gone erases nothing) and confirmed again.
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
        UUID subject;
        try {
            subject = UUID.fromString(request.getSubject());
        } catch (IllegalArgumentException e) {
            return report(request, State.FAILED, 0, "the subject is not a profile id");
        }
        return switch (request.getKind()) {
            case ERASURE -> eraser.erase(subject)
                    .flatMap(erased -> report(request, State.COMPLETED, erased, erased == 0 ? "nothing held" : "profile erased"))
                    // Said out loud, so that the gateway retries it; never left to a dead-letter topic nobody reads.
                    .onFailure().recoverWithUni(failure -> report(request, State.FAILED, 0, "erasure failed; nothing was erased, retry the request"));
            case ACCESS, PORTABILITY -> exporter.export(subject).collect().with(java.util.stream.Collectors.counting())
                    .flatMap(parts -> report(request, State.COMPLETED, parts, "export ready: ProfileService.ExportProfile"))
                    .onFailure(dev.rapport.runtime.error.NotFound.class).recoverWithUni(() -> report(request, State.COMPLETED, 0, "nothing held"));
            case RECTIFICATION -> report(request, State.COMPLETED, 0, "attributes are corrected with UpdateAttributes");
            case RESTRICTION, OBJECTION -> report(request, State.COMPLETED, 0,
                    "enforced where data is used (segments, campaigns) from the consent view; profile-service keeps the record");
            default -> report(request, State.FAILED, 0, "unknown request kind");
        };
    }

    private Uni<Void> report(DataSubjectRequest request, State state, long records, String detail) {
        DataSubjectRequestProgress message = DataSubjectRequestProgress.newBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), "rapport/" + SERVICE, PROGRESS, request.getSubject(),
                        request.getRequestId() + "/" + SERVICE + "/" + state.name()))
                .setRequestId(request.getRequestId()).setService(SERVICE).setState(state)
                .setRecordsAffected(records).setDetail(detail)
                .build();
        return progress.sendMessage(Message.of(message)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.getSubject()).build()));
    }
}
