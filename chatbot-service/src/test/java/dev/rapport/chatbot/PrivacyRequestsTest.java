package dev.rapport.chatbot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.chat.v1.AcceptConversationRequest;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ExportConversationsRequest;
import dev.rapport.proto.chat.v1.GetConversationRequest;
import dev.rapport.proto.chat.v1.RateConversationRequest;
import dev.rapport.proto.chat.v1.ResolveConversationRequest;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/** Data-subject requests reach the support conversations: exported whole, erased whole, confirmed on the topic. */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class PrivacyRequestsTest extends CallsChatService {
    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);

    @Test
    void aPersonsConversationsAreExportedWholeThenErasedWholeAndOthersAreKept() throws Exception {
        String person = UUID.randomUUID().toString();
        String other = UUID.randomUUID().toString();
        String first = converse(person, "I want to talk to a person");
        String second = converse(person, "I want to talk to a person");
        chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(second).setAgent("ana").build());
        chat.resolveConversation(ResolveConversationRequest.newBuilder().setConversationId(second).setAgent("ana").build());
        chat.rateConversation(RateConversationRequest.newBuilder().setConversationId(second).setSatisfaction(2).setComment("slow").build());
        String kept = converse(other, "hello");

        List<Conversation> exported = new ArrayList<>();
        chat.exportConversations(ExportConversationsRequest.newBuilder().setProfileId(person).build()).forEachRemaining(exported::add);
        assertEquals(List.of(first, second), exported.stream().map(Conversation::getId).toList(), "oldest first");
        assertEquals("I want to talk to a person", exported.get(0).getMessages(1).getText(), "with every message");
        assertEquals("slow", exported.get(1).getSatisfactionComment());

        List<DataSubjectRequestProgress> reports = request(person, DataSubjectRequest.Kind.ERASURE, 2);
        assertEquals("chatbot-service", reports.get(0).getService());
        assertEquals(DataSubjectRequestProgress.State.COMPLETED, reports.get(0).getState());
        assertEquals(2, reports.get(0).getRecordsAffected());
        assertEquals(0, reports.get(1).getRecordsAffected(), "the same request read again erases nothing more");
        for (String erased : List.of(first, second)) {
            StatusRuntimeException gone = assertThrows(StatusRuntimeException.class,
                    () -> chat.getConversation(GetConversationRequest.newBuilder().setConversationId(erased).build()));
            assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
        }
        assertEquals(kept, chat.getConversation(GetConversationRequest.newBuilder().setConversationId(kept).build()).getId());

        DataSubjectRequestProgress access = request(person, DataSubjectRequest.Kind.ACCESS, 1).get(0);
        assertEquals(0, access.getRecordsAffected());
        assertEquals("nothing held", access.getDetail());
    }

    private String converse(String profile, String text) {
        String id = chat.startConversation(StartConversationRequest.newBuilder().setProfileId(profile).setVisitorId("customer:" + profile)
                .setLanguage("en").build()).getConversation().getId();
        chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(id).setMessageId("m1").setText(text).build());
        return id;
    }

    /** Sends the request on privacy.dsr ({@code times} times, as a consumer re-reading it would) and returns the reports. */
    private List<DataSubjectRequestProgress> request(String subject, DataSubjectRequest.Kind kind, int times) throws Exception {
        String requestId = "dsr-" + UUID.randomUUID();
        String request = JsonFormat.printer().print(DataSubjectRequest.newBuilder()
                .setEnvelope(Envelope.newBuilder().setId(requestId).setSubject(subject))
                .setRequestId(requestId).setSubject(subject).setKind(kind).build());
        try (ConsumerTask<String, String> progress = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PRIVACY_DSR_PROGRESS),
                records -> records.filter(r -> r.value().contains(requestId)))) {
            for (int i = 1; i <= times; i++) {
                kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.PRIVACY_DSR), subject, request)).awaitCompletion();
                progress.awaitRecords(i, Duration.ofSeconds(20));
            }
            List<DataSubjectRequestProgress> reports = new ArrayList<>();
            for (var record : progress.getRecords()) {
                DataSubjectRequestProgress.Builder report = DataSubjectRequestProgress.newBuilder();
                JsonFormat.parser().ignoringUnknownFields().merge(record.value(), report);
                reports.add(report.build());
            }
            return reports;
        }
    }
}
