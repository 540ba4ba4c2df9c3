package dev.rapport.chatbot.conversation;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.BadRequest;

import dev.rapport.chatbot.CallsChatService;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.proto.chat.v1.ConversationEvent.Kind;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.AcceptConversationRequest;
import dev.rapport.proto.chat.v1.RateConversationRequest;
import dev.rapport.proto.chat.v1.ResolveConversationRequest;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What happens in a conversation reaches chat.conversations (real Kafka) from the outbox: started, handed over,
 * resolved by the bot, rated, abandoned; and which of those are bad experiences that hold marketing back.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class ConversationEventsTest extends CallsChatService {
    private static final KafkaCompanion KAFKA = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);
    private static ConsumerTask<String, String> topic;

    @Inject
    Conversations conversations;

    @Inject
    Pool pool;


    @BeforeAll
    static void listen() {
        topic = KAFKA.consumeStrings().fromTopics(TestTopics.of(Topics.CHAT_CONVERSATIONS));
    }

    @AfterAll
    static void stop() {
        topic.close();
    }

    @BeforeEach
    void helpCentre() {
        importHelpCentre();
    }

    @Test
    void aCustomerWhoRatesTheConversationBadlyHoldsMarketingBack() {
        String profile = UUID.randomUUID().toString();
        ConversationTurn started = start(profile);
        ConversationTurn handedOver = say(started, "m1", "I want to talk to a person");
        assertEquals(Conversation.Status.WAITING_FOR_AGENT, handedOver.getConversation().getStatus());
        StatusRuntimeException early = assertThrows(StatusRuntimeException.class, () -> chat.rateConversation(
                RateConversationRequest.newBuilder().setConversationId(id(started)).setSatisfaction(1).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, early.getStatus().getCode(), "rated once it has ended");
        chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(id(started)).setAgent("ana").build());
        chat.resolveConversation(ResolveConversationRequest.newBuilder().setConversationId(id(started)).setAgent("ana").build());

        var rating = RateConversationRequest.newBuilder().setConversationId(id(started)).setSatisfaction(1).setComment("too slow").build();
        Conversation rated = chat.rateConversation(rating);
        chat.rateConversation(rating);
        assertEquals(1, rated.getSatisfaction());
        assertEquals("too slow", rated.getSatisfactionComment());

        List<ConversationEvent> events = eventsOf(profile, 4);
        assertEquals(List.of(Kind.STARTED, Kind.HANDED_OVER, Kind.RESOLVED, Kind.RATED),
                events.stream().map(ConversationEvent::getKind).toList(), "the same rating twice is one event");
        events.forEach(e -> {
            assertEquals(id(started), e.getConversationId());
            assertEquals(profile, e.getProfileId());
            assertEquals("en", e.getLanguage());
            assertFalse(e.getEnvelope().getId().isEmpty());
        });
        assertFalse(events.get(1).getBadExperience(), "asking for a person is not a bad experience by itself");
        assertEquals(1, events.get(3).getSatisfaction());
        assertTrue(events.get(3).getBadExperience(), "a rating of 1 is a bad experience");
    }

    @Test
    void aFrustratedCustomerIsABadExperienceAtOnce() {
        String profile = UUID.randomUUID().toString();
        ConversationTurn started = start(profile);
        say(started, "m1", "this is useless, I am so angry");
        ConversationEvent handedOver = eventsOf(profile, 2).get(1);
        assertEquals(Kind.HANDED_OVER, handedOver.getKind());
        assertTrue(handedOver.getBadExperience());
    }

    @Test
    void theCustomerSayingItHelpedResolvesItAndANewQuestionReopensIt() {
        String profile = UUID.randomUUID().toString();
        ConversationTurn started = start(profile);
        say(started, "m1", "how do I get a refund for a missing item?");
        ConversationTurn resolved = say(started, "m2", "thank you, that helped");
        assertEquals(Conversation.Status.RESOLVED, resolved.getConversation().getStatus());
        assertEquals(Conversation.Resolver.BY_BOT, resolved.getConversation().getResolvedBy());
        chat.rateConversation(RateConversationRequest.newBuilder().setConversationId(id(started)).setSatisfaction(5).build());

        List<ConversationEvent> events = eventsOf(profile, 3);
        assertEquals(List.of(Kind.STARTED, Kind.RESOLVED, Kind.RATED), events.stream().map(ConversationEvent::getKind).toList());
        assertFalse(events.get(2).getBadExperience());

        ConversationTurn reopened = say(started, "m3", "my food still hasn't arrived");
        assertEquals(Conversation.Status.WITH_BOT, reopened.getConversation().getStatus());
        assertEquals(Conversation.Resolver.RESOLVER_UNSPECIFIED, reopened.getConversation().getResolvedBy());
    }

    @Test
    void aQuietChatWithTheBotIsAbandonedButSomeoneWaitingForAPersonKeepsTheirPlace() {
        String talked = UUID.randomUUID().toString();
        String waiting = UUID.randomUUID().toString();
        String unused = UUID.randomUUID().toString();
        ConversationTurn asked = start(talked);
        say(asked, "m1", "how do I get a refund for a missing item?");
        ConversationTurn waited = start(waiting);
        say(waited, "m1", "I want to talk to a person");
        say(waited, "m2", "Something else");
        say(waited, "m3", "No rush");
        // one who left while the bot asked what it is about never joined the queue
        ConversationTurn left = start(UUID.randomUUID().toString());
        say(left, "m1", "I want to talk to a person");
        ConversationTurn opened = start(unused);
        eventsOf(talked, 1);
        eventsOf(waiting, 2);
        eventsOf(unused, 1);
        // as if nobody had written in any of them for an hour
        pool.preparedQuery("UPDATE conversation SET update_time = update_time - interval '1 hour' WHERE id = ANY($1)")
                .execute(Tuple.of(new UUID[] { UUID.fromString(id(asked)), UUID.fromString(id(waited)), UUID.fromString(id(opened)),
                        UUID.fromString(id(left)) }))
                .await().indefinitely();

        conversations.abandonIdle().await().indefinitely();

        ConversationEvent abandoned = eventsOf(talked, 2).get(1);
        assertEquals(Kind.ABANDONED, abandoned.getKind());
        assertFalse(abandoned.getBadExperience(), "they left the bot");
        assertEquals(Conversation.Status.WAITING_FOR_AGENT, conversations.get(UUID.fromString(id(waited))).await().indefinitely().getStatus(),
                "told to wait for a person, they keep their place");
        assertEquals(Conversation.Status.ABANDONED, conversations.get(UUID.fromString(id(opened))).await().indefinitely().getStatus());
        assertEquals(Conversation.Status.ABANDONED, conversations.get(UUID.fromString(id(left))).await().indefinitely().getStatus(),
                "gone while asked what it is about: abandoned like a quiet chat with the bot");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
        assertEquals(1, events(unused).size(), "an unused chat ends without telling anyone");
        assertEquals(2, events(waiting).size());
    }

    @Test
    void aRatingOutsideOneToFiveOrForNoConversationIsRefused() throws Exception {
        String conversation = id(start(UUID.randomUUID().toString()));
        for (int satisfaction : new int[] { 0, 6, -1 }) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> chat.rateConversation(
                    RateConversationRequest.newBuilder().setConversationId(conversation).setSatisfaction(satisfaction).build()));
            assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
            BadRequest details = StatusProto.fromThrowable(refused).getDetails(0).unpack(BadRequest.class);
            assertEquals("satisfaction", details.getFieldViolations(0).getField());
        }
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class, () -> chat.rateConversation(
                RateConversationRequest.newBuilder().setConversationId(UUID.randomUUID().toString()).setSatisfaction(3).build()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    }

    private ConversationTurn start(String profile) {
        return chat.startConversation(StartConversationRequest.newBuilder().setProfileId(profile)
                .setVisitorId("customer:" + profile).setLanguage("en").build());
    }

    private ConversationTurn say(ConversationTurn conversation, String messageId, String text) {
        return chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(id(conversation))
                .setMessageId(messageId).setText(text).build());
    }

    private static String id(ConversationTurn turn) {
        return turn.getConversation().getId();
    }

    /** The profile's events on the topic, in order, once there are at least {@code count}. */
    private static List<ConversationEvent> eventsOf(String profile, int count) {
        await().atMost(Duration.ofSeconds(20)).until(() -> events(profile).size() >= count);
        return events(profile);
    }

    private static List<ConversationEvent> events(String profile) {
        return topic.getRecords().stream().filter(r -> profile.equals(r.key())).map(ConversationEventsTest::parse).toList();
    }

    private static ConversationEvent parse(ConsumerRecord<String, String> record) {
        try {
            ConversationEvent.Builder event = ConversationEvent.newBuilder();
            JsonFormat.parser().merge(record.value(), event);
            return event.build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
