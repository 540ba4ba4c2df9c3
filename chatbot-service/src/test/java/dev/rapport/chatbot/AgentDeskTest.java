package dev.rapport.chatbot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.rapport.proto.chat.v1.AcceptConversationRequest;
import dev.rapport.proto.chat.v1.ChatMessage.Author;
import dev.rapport.proto.chat.v1.ChatServiceGrpc;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.ConversationUpdate;
import dev.rapport.proto.chat.v1.ListWaitingRequest;
import dev.rapport.proto.chat.v1.ResolveConversationRequest;
import dev.rapport.proto.chat.v1.SendAgentMessageRequest;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.proto.chat.v1.WatchConversationRequest;
import dev.rapport.testing.PostgresAndKafka;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** A person takes over from the bot: the queue with its handoff packet, live messages both ways, resolution. */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class AgentDeskTest extends CallsChatService {

    @BeforeEach
    void helpCentre() {
        importHelpCentre();
    }

    @Test
    void anAgentTakesOverWithTheHandoffPacketAndBothSeeEachOthersMessagesLiveWhileTheBotIsSilent() throws Exception {
        ConversationTurn started = chat.startConversation(StartConversationRequest.newBuilder()
                .setVisitorId("visitor-" + UUID.randomUUID()).setLanguage("en").build());
        String id = started.getConversation().getId();
        say(id, "m1", "how do I get a refund for a missing item?");
        ConversationTurn handing = say(id, "m2", "that didn't help, I want to talk to a person");
        // what it is about is known (the article the bot tried is about billing): only the urgency is asked
        assertEquals("And how urgent is it?", handing.getReplies(1).getText());
        assertEquals(List.of("It can't wait", "Today is fine", "No rush"), handing.getReplies(1).getQuickRepliesList());
        ConversationTurn handedOver = say(id, "m2b", "Today is fine");
        assertTrue(handedOver.getReplies(0).getText().matches("You are number \\d+ in the queue; the wait is about \\d+ minutes\\..*"),
                "an honest place in the queue: " + handedOver.getReplies(0).getText());
        String lastSeen = handedOver.getReplies(handedOver.getRepliesCount() - 1).getId();

        Conversation waiting = chat.listWaiting(ListWaitingRequest.newBuilder().setLimit(100).build()).getConversationsList().stream()
                .filter(c -> c.getId().equals(id)).findFirst().orElseThrow();
        assertEquals(Conversation.HandoverReason.ASKED_FOR_PERSON, waiting.getHandoff().getReason());
        assertEquals(List.of("how do I get a refund for a missing item?", "that didn't help, I want to talk to a person", "Today is fine"),
                waiting.getHandoff().getCustomerSaidList(), "what the customer said, so nobody asks again");
        assertEquals("billing", waiting.getHandoff().getTeam(), "routed to the team for what the bot tried");
        assertEquals("TOPIC", waiting.getHandoff().getRoutedBy());
        assertEquals(dev.rapport.proto.chat.v1.Urgency.NORMAL, waiting.getHandoff().getUrgency());
        assertEquals("Getting a refund", waiting.getHandoff().getBotTried(0).getTitle(), "what the bot tried");

        var customerSees = watch(id, lastSeen);
        var agentSees = watch(id, lastSeen);

        Conversation accepted = chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(id).setAgent("ana").build());
        assertEquals(Conversation.Status.WITH_AGENT, accepted.getStatus());
        assertEquals("ana", accepted.getAgent());
        assertNotNull(next(customerSees, u -> u.hasMessage() && u.getMessage().getText().contains("has joined")));
        assertEquals(accepted, chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(id).setAgent("ana").build())
                .toBuilder().build(), "accepting twice changes nothing");
        assertFailedPrecondition(() -> chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(id).setAgent("ben").build()));

        chat.sendAgentMessage(SendAgentMessageRequest.newBuilder().setConversationId(id).setAgent("ana").setMessageId("a1")
                .setText("Hi, I'm Ana. I can see you asked about a refund for a missing item.").build());
        ConversationUpdate fromAgent = next(customerSees, u -> u.hasMessage() && u.getMessage().getAuthor() == Author.AGENT);
        assertTrue(fromAgent.getMessage().getText().startsWith("Hi, I'm Ana"));

        ConversationTurn customerWrites = say(id, "m3", "yes, the fries were missing");
        assertEquals(0, customerWrites.getRepliesCount(), "the bot stays silent while a person holds the conversation");
        assertEquals("yes, the fries were missing",
                next(agentSees, u -> u.hasMessage() && u.getMessage().getAuthor() == Author.CUSTOMER).getMessage().getText());

        assertFailedPrecondition(() -> chat.sendAgentMessage(SendAgentMessageRequest.newBuilder().setConversationId(id).setAgent("ben")
                .setMessageId("b1").setText("hello").build()));
        Conversation resolved = chat.resolveConversation(ResolveConversationRequest.newBuilder().setConversationId(id).setAgent("ana").build());
        assertEquals(Conversation.Status.RESOLVED, resolved.getStatus());
        assertEquals(Conversation.Resolver.BY_AGENT, resolved.getResolvedBy());
        assertNotNull(next(customerSees, u -> u.hasConversation() && u.getConversation().getStatus() == Conversation.Status.RESOLVED));
        customerSees.close();
        agentSees.close();
    }

    private ConversationTurn say(String id, String messageId, String text) {
        return chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(id).setMessageId(messageId).setText(text).build());
    }

    private static void assertFailedPrecondition(org.junit.jupiter.api.function.Executable call) {
        assertEquals(Status.Code.FAILED_PRECONDITION, assertThrows(StatusRuntimeException.class, call).getStatus().getCode());
    }

    /** A live view of the conversation, as a second client (another replica's customer or agent) sees it. */
    private Watch watch(String id, String afterMessage) {
        var updates = new LinkedBlockingQueue<ConversationUpdate>();
        var context = Context.current().withCancellation();
        context.run(() -> ChatServiceGrpc.newStub(channel).watchConversation(
                WatchConversationRequest.newBuilder().setConversationId(id).setAfterMessageId(afterMessage).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(ConversationUpdate update) {
                        updates.add(update);
                    }

                    @Override
                    public void onError(Throwable failure) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
        return new Watch(updates, context);
    }

    private record Watch(BlockingQueue<ConversationUpdate> updates, Context.CancellableContext context) implements AutoCloseable {
        @Override
        public void close() {
            context.cancel(null);
        }
    }

    private static ConversationUpdate next(Watch watch, Predicate<ConversationUpdate> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            ConversationUpdate update = watch.updates().poll(200, TimeUnit.MILLISECONDS);
            if (update != null && wanted.test(update)) {
                return update;
            }
        }
        throw new AssertionError("no such update within 10 s");
    }
}
