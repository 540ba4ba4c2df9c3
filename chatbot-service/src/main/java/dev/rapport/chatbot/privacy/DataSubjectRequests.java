package dev.rapport.chatbot.privacy;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.rapport.chatbot.conversation.Conversations;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress.State;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * chatbot-service's part of a data-subject request (privacy.dsr): erasure deletes the person's conversations, their
 * messages, ratings and unpublished events; access and portability point at ChatService.ExportConversations. Each
 * outcome, failures included, is reported on privacy.dsr.progress. A request read twice reports twice and changes
 * nothing more.
 */
@ApplicationScoped
public class DataSubjectRequests {
    static final String SERVICE = "chatbot-service";
    static final String PROGRESS = "dev.rapport.privacy.dsr.progress.v1";

    private final Conversations conversations;
    private final MutinyEmitter<DataSubjectRequestProgress> progress;

    DataSubjectRequests(Conversations conversations, @Channel("privacy-dsr-progress") MutinyEmitter<DataSubjectRequestProgress> progress) {
        this.conversations = conversations;
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
            case ERASURE -> conversations.erase(subject)
                    .flatMap(erased -> report(request, State.COMPLETED, erased, erased == 0 ? "nothing held" : "conversations erased"))
                    .onFailure().recoverWithUni(failure -> report(request, State.FAILED, 0, "erasure failed; nothing was erased, retry the request"));
            case ACCESS, PORTABILITY -> conversations.export(subject).collect().with(java.util.stream.Collectors.counting())
                    .flatMap(count -> report(request, State.COMPLETED, count,
                            count == 0 ? "nothing held" : "export ready: ChatService.ExportConversations"));
            case RECTIFICATION -> report(request, State.COMPLETED, 0, "a conversation records what was said; it is not rewritten");
            case RESTRICTION, OBJECTION -> report(request, State.COMPLETED, 0, "conversations are used for support only");
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
