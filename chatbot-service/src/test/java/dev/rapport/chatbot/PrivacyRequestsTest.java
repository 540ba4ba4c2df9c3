package dev.rapport.chatbot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.rapport.proto.privacy.v1.SubjectIdentifier;
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

/**
 * Data-subject requests reach the support conversations — under the profile, and those started signed in before it
 * existed: exported whole, erased whole, checked, confirmed on the topic.
 */
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
        assertEquals(DataSubjectRequest.Kind.ERASURE, reports.get(0).getKind());
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

    @Test
    void chatsStartedSignedInBeforeTheProfileExistedAreCountedCheckedAndErasedToo() throws Exception {
        String person = UUID.randomUUID().toString();
        String externalId = "min-jun-" + UUID.randomUUID();
        // Signed in, no profile yet: the conversation is held under the sign-in alone; rated after an agent resolved it.
        String before = chat.startConversation(StartConversationRequest.newBuilder().setVisitorId("customer:" + externalId)
                .setLanguage("en").build()).getConversation().getId();
        chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(before).setMessageId("m1").setText("I want to talk to a person").build());
        chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(before).setAgent("ana").build());
        chat.resolveConversation(ResolveConversationRequest.newBuilder().setConversationId(before).setAgent("ana").build());
        chat.rateConversation(RateConversationRequest.newBuilder().setConversationId(before).setSatisfaction(1).build());
        String after = converse(person, externalId, "hello");
        // a profile since merged into the person's: its conversation stays under the merged-away id
        String merged = UUID.randomUUID().toString();
        String underMerged = converse(merged, "app-install-" + UUID.randomUUID(), "hi");
        String someoneElse = chat.startConversation(StartConversationRequest.newBuilder().setVisitorId("customer:other-" + UUID.randomUUID())
                .setLanguage("en").build()).getConversation().getId();
        DataSubjectRequest.Builder knownBy = DataSubjectRequest.newBuilder().setSubject(person)
                .addIdentifiers(SubjectIdentifier.newBuilder().setType("EMAIL").setValue(externalId + "@example.com"))
                .addIdentifiers(SubjectIdentifier.newBuilder().setType("EXTERNAL_ID").setValue(externalId))
                .addIdentifiers(SubjectIdentifier.newBuilder().setType("PROFILE_ID").setValue(merged));

        DataSubjectRequestProgress access = carryOut(1, request(knownBy, DataSubjectRequest.Kind.ACCESS)).get(0);
        assertEquals(3, access.getRecordsAffected());
        assertEquals("export ready: ChatService.ExportConversations (with visitor_ids: 1 started signed in before the profile existed)",
                access.getDetail());

        DataSubjectRequestProgress held = carryOut(1, request(knownBy, DataSubjectRequest.Kind.ERASURE_CHECK)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE_CHECK, held.getKind());
        assertEquals(DataSubjectRequestProgress.State.COMPLETED, held.getState());
        assertTrue(held.getDetail().startsWith("still held: conversation: 3, chat_message: "), held.getDetail());
        assertTrue(held.getDetail().contains("conversation_event: "), "the started, handed over, resolved and rated steps: " + held.getDetail());
        assertTrue(held.getRecordsAffected() > 3 + 4, held.toString());

        DataSubjectRequestProgress erased = carryOut(1, request(knownBy, DataSubjectRequest.Kind.ERASURE)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE, erased.getKind());
        assertEquals(3, erased.getRecordsAffected());
        for (String gone : List.of(before, after, underMerged)) {
            assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                    () -> chat.getConversation(GetConversationRequest.newBuilder().setConversationId(gone).build())).getStatus().getCode());
        }
        assertEquals(someoneElse, chat.getConversation(GetConversationRequest.newBuilder().setConversationId(someoneElse).build()).getId());

        DataSubjectRequestProgress check = carryOut(1, request(knownBy, DataSubjectRequest.Kind.ERASURE_CHECK)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE_CHECK, check.getKind());
        assertEquals(0, check.getRecordsAffected());
        assertEquals("nothing held", check.getDetail());
    }

    @Test
    void aRequestNamingOtherServicesIsIgnoredWithoutAReport() throws Exception {
        String person = UUID.randomUUID().toString();
        String conversation = converse(person, "hello");
        DataSubjectRequest notOurs = request(DataSubjectRequest.newBuilder().setSubject(person).addServices("profile-service"),
                DataSubjectRequest.Kind.ERASURE);
        DataSubjectRequest ours = request(DataSubjectRequest.newBuilder().setSubject(person).addServices("profile-service")
                .addServices("chatbot-service"), DataSubjectRequest.Kind.ERASURE_CHECK);

        // Read in order (one subject, one partition): had the first been answered, its report would come first.
        List<DataSubjectRequestProgress> reports = carryOut(1, notOurs, ours);
        assertEquals(List.of(ours.getRequestId()), reports.stream().map(DataSubjectRequestProgress::getRequestId).toList());
        assertTrue(reports.get(0).getRecordsAffected() > 0, reports.get(0).toString());
        assertEquals(conversation, chat.getConversation(GetConversationRequest.newBuilder().setConversationId(conversation).build()).getId(),
                "nothing was erased");
    }

    private String converse(String profile, String text) {
        return converse(profile, profile, text);
    }

    /** A conversation of a signed-in customer who has a profile. */
    private String converse(String profile, String externalId, String text) {
        String id = chat.startConversation(StartConversationRequest.newBuilder().setProfileId(profile).setVisitorId("customer:" + externalId)
                .setLanguage("en").build()).getConversation().getId();
        chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(id).setMessageId("m1").setText(text).build());
        return id;
    }

    /** Sends the request on privacy.dsr ({@code times} times, as a consumer re-reading it would) and returns the reports. */
    private List<DataSubjectRequestProgress> request(String subject, DataSubjectRequest.Kind kind, int times) throws Exception {
        DataSubjectRequest request = request(DataSubjectRequest.newBuilder().setSubject(subject), kind);
        DataSubjectRequest[] again = new DataSubjectRequest[times];
        java.util.Arrays.fill(again, request);
        return carryOut(times, again);
    }

    private static DataSubjectRequest request(DataSubjectRequest.Builder about, DataSubjectRequest.Kind kind) {
        String requestId = "dsr-" + UUID.randomUUID();
        return about.clone().setEnvelope(Envelope.newBuilder().setId(requestId).setSubject(about.getSubject()))
                .setRequestId(requestId).setKind(kind).build();
    }

    /**
     * Sends the requests on privacy.dsr in this order (keyed by subject, so they are read in order) and answers the
     * first {@code reports} reports about any of them.
     */
    private List<DataSubjectRequestProgress> carryOut(int reports, DataSubjectRequest... requests) throws Exception {
        List<String> requestIds = java.util.Arrays.stream(requests).map(DataSubjectRequest::getRequestId).distinct().toList();
        try (ConsumerTask<String, String> progress = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PRIVACY_DSR_PROGRESS),
                records -> records.filter(r -> requestIds.stream().anyMatch(r.value()::contains)))) {
            for (DataSubjectRequest request : requests) {
                kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.PRIVACY_DSR), request.getSubject(),
                        JsonFormat.printer().print(request))).awaitCompletion();
            }
            progress.awaitRecords(reports, Duration.ofSeconds(20));
            List<DataSubjectRequestProgress> answered = new ArrayList<>();
            for (var record : progress.getRecords()) {
                DataSubjectRequestProgress.Builder report = DataSubjectRequestProgress.newBuilder();
                JsonFormat.parser().ignoringUnknownFields().merge(record.value(), report);
                answered.add(report.build());
            }
            return answered;
        }
    }
}
