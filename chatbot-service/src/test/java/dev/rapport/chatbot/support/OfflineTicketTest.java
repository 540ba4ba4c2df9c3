package dev.rapport.chatbot.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.rapport.chatbot.CallsChatService;
import dev.rapport.proto.chat.v1.ChatMessage.Author;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.ListWaitingRequest;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.testing.PostgresAndKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Nobody answers chats now: the bot says so, keeps helping, and takes a way to reach the customer (a ticket). */
@QuarkusTest
@TestProfile(OfflineTicketTest.NobodyAnswers.class)
@Tag("own-profile") // its own JVM: see chatbot-service/pom.xml
@WithTestResource(PostgresAndKafka.class)
class OfflineTicketTest extends CallsChatService {
    public static class NobodyAnswers implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rapport.support.hours", "never", "rapport.support.time-zone", "Europe/Madrid");
        }
    }


    @BeforeEach
    void helpCentre() {
        importHelpCentre();
    }

    @Test
    void theBotSaysNobodyIsThereKeepsHelpingAndTakesAWayToReachTheCustomer() {
        String id = chat.startConversation(StartConversationRequest.newBuilder().setVisitorId("visitor-" + UUID.randomUUID())
                .setLanguage("es").build()).getConversation().getId();

        ConversationTurn asked = say(id, "m1", "quiero hablar con una persona");
        assertEquals(Conversation.Status.WAITING_FOR_AGENT, asked.getConversation().getStatus());
        // first what it is about and how urgent (quick replies in the customer's language), then the truth about the hours
        assertEquals(List.of("Facturación y pagos", "Pedidos y entregas", "Problema con la app o la cuenta", "Otra cosa"),
                asked.getReplies(1).getQuickRepliesList());
        assertEquals(List.of("No puede esperar", "Hoy me va bien", "Sin prisa"), say(id, "m1b", "Otra cosa").getReplies(0).getQuickRepliesList());
        ConversationTurn handedOver = say(id, "m1c", "Sin prisa");
        String offline = handedOver.getReplies(handedOver.getRepliesCount() - 1).getText();
        assertTrue(offline.contains("no hay nadie") && offline.contains("never (Europe/Madrid)"),
                "it never pretends someone is coming: " + offline);

        ConversationTurn helped = say(id, "m2", "how do I get a refund for a missing item?");
        assertEquals(Author.BOT, helped.getReplies(0).getAuthor());
        assertTrue(helped.getReplies(0).getText().contains("Refunds go back to your card"), "the bot keeps helping meanwhile");

        ConversationTurn ticket = say(id, "m3", "mi correo es ana@example.org");
        assertEquals(1, ticket.getRepliesCount());
        assertTrue(ticket.getReplies(0).getText().contains("ana@example.org"), ticket.getReplies(0).getText());

        Conversation queued = chat.listWaiting(ListWaitingRequest.newBuilder().setLimit(100).build()).getConversationsList().stream()
                .filter(c -> c.getId().equals(id)).findFirst().orElseThrow();
        assertTrue(queued.getHandoff().getOffline(), "a ticket for the team when it is back");
        assertEquals("ana@example.org", queued.getHandoff().getContact());
        assertEquals("support", queued.getHandoff().getTeam(), "something else: the default team");
        assertEquals("other", queued.getHandoff().getTopic());
        assertEquals(dev.rapport.proto.chat.v1.Urgency.LOW, queued.getHandoff().getUrgency());
    }

    private ConversationTurn say(String id, String messageId, String text) {
        return chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(id).setMessageId(messageId).setText(text).build());
    }
}
