package dev.rapport.chatbot.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.rapport.chatbot.CallsChatService;
import dev.rapport.proto.chat.v1.AcceptConversationRequest;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.GetConversationRequest;
import dev.rapport.proto.chat.v1.ListTeamsRequest;
import dev.rapport.proto.chat.v1.ListWaitingRequest;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.proto.chat.v1.Team;
import dev.rapport.proto.chat.v1.TransferConversationRequest;
import dev.rapport.proto.chat.v1.Urgency;
import dev.rapport.testing.PostgresAndKafka;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Queues per team: the bot asks what it is about and how urgent in quick-reply steps (only what it does not know),
 * routes to the team for the topic, puts urgent customers first, and an agent passes a conversation to another team
 * with a note.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class TeamsTest extends CallsChatService {

    @BeforeEach
    void helpCentre() {
        importHelpCentre();
    }

    @Test
    void theBotAsksWhatItIsAboutAndHowUrgentThenQueuesTheCustomerWithThatTeamUrgentOnesFirst() {
        String calm = handedOverAbout("Orders and delivery", "No rush");
        String urgent = start();
        ConversationTurn asked = say(urgent, "m1", "I need to speak to a human");
        assertEquals("So the right people take it: what is it about?", asked.getReplies(1).getText());
        assertEquals(List.of("Billing and payments", "Orders and delivery", "App or account problem", "Something else"),
                asked.getReplies(1).getQuickRepliesList(), "each topic team, and a way out");
        assertFalse(chat.listWaiting(ListWaitingRequest.newBuilder().setLimit(100).build()).getConversationsList().stream()
                .anyMatch(c -> c.getId().equals(urgent)), "in the queue only once the questions are answered");
        ConversationTurn urgency = say(urgent, "m2", "orders and delivery");
        assertEquals("And how urgent is it?", urgency.getReplies(0).getText());
        ConversationTurn queued = say(urgent, "m3", "It can't wait");
        assertEquals(Conversation.Status.WAITING_FOR_AGENT, queued.getConversation().getStatus());

        List<Conversation> delivery = chat.listWaiting(ListWaitingRequest.newBuilder().setLimit(100).addTeams("delivery").build())
                .getConversationsList();
        long urgentWaiting = delivery.stream().filter(c -> c.getHandoff().getUrgency() == Urgency.HIGH).count();
        java.util.regex.Matcher place = java.util.regex.Pattern.compile("You are number (\\d+) in the queue").matcher(queued.getReplies(0).getText());
        assertTrue(place.find() && Integer.parseInt(place.group(1)) <= urgentWaiting,
                "urgent customers go first in their team's queue: " + queued.getReplies(0).getText());
        List<String> ids = delivery.stream().map(Conversation::getId).toList();
        assertTrue(ids.indexOf(urgent) >= 0 && ids.indexOf(urgent) < ids.indexOf(calm), "urgent first, though it came later: " + ids);
        Conversation waiting = delivery.get(ids.indexOf(urgent));
        assertEquals("delivery", waiting.getHandoff().getTeam());
        assertEquals("delivery", waiting.getHandoff().getTopic());
        assertEquals(Urgency.HIGH, waiting.getHandoff().getUrgency());
        assertFalse(chat.listWaiting(ListWaitingRequest.newBuilder().setLimit(100).addTeams("billing").build()).getConversationsList()
                .stream().anyMatch(c -> c.getId().equals(urgent)), "only the team's own queue");

        Team team = chat.listTeams(ListTeamsRequest.getDefaultInstance()).getTeamsList().stream()
                .filter(t -> t.getName().equals("delivery")).findFirst().orElseThrow();
        assertTrue(team.getOpenNow());
        assertTrue(team.getWaiting() >= 2, "both wait for delivery: " + team);
        assertEquals(List.of("billing", "delivery", "priority", "support", "technical"),
                chat.listTeams(ListTeamsRequest.getDefaultInstance()).getTeamsList().stream().map(Team::getName).toList());
    }

    @Test
    void aFrustratedCustomerIsAskedNothingMoreAndGoesFirst() {
        String id = start();
        ConversationTurn turn = say(id, "m1", "THIS IS RIDICULOUS, NOTHING WORKS!!");
        assertEquals(Conversation.Status.WAITING_FOR_AGENT, turn.getConversation().getStatus());
        assertTrue(turn.getReplies(turn.getRepliesCount() - 1).getText().startsWith("You are number"), "queued at once");
        Conversation waiting = chat.getConversation(GetConversationRequest.newBuilder().setConversationId(id).build());
        assertEquals(Urgency.HIGH, waiting.getHandoff().getUrgency());
        assertEquals("support", waiting.getHandoff().getTeam());
        assertEquals("DEFAULT", waiting.getHandoff().getRoutedBy());
    }

    @Test
    void anAgentPassesAConversationToAnotherTeamWithANoteAndTheCustomerKeepsTheirPlace() {
        String id = handedOverAbout("Orders and delivery", "Today is fine");
        chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(id).setAgent("dara").build());

        assertInvalid("team", () -> chat.transferConversation(TransferConversationRequest.newBuilder().setConversationId(id)
                .setAgent("dara").setTeam("marketing").build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, assertThrows(StatusRuntimeException.class, () -> chat.transferConversation(
                TransferConversationRequest.newBuilder().setConversationId(id).setAgent("eve").setTeam("billing").build()))
                .getStatus().getCode(), "only the agent who holds it");

        Conversation passed = chat.transferConversation(TransferConversationRequest.newBuilder().setConversationId(id).setAgent("dara")
                .setTeam("billing").setNote("They were charged twice for order 5521").build());
        assertEquals(Conversation.Status.WAITING_FOR_AGENT, passed.getStatus());
        assertEquals("billing", passed.getHandoff().getTeam());
        assertEquals("TRANSFER", passed.getHandoff().getRoutedBy());
        assertEquals(List.of("They were charged twice for order 5521"), passed.getHandoff().getTransferNotesList());
        assertEquals("I'm passing you to our Billing and payments team, with everything you told us. You keep your place.",
                passed.getMessages(passed.getMessagesCount() - 1).getText());
        assertEquals(0, say(id, "m9", "ok thanks").getRepliesCount(), "the bot stays quiet while they wait for a person");

        Conversation taken = chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(id).setAgent("finn").build());
        assertEquals("finn", taken.getAgent());
        assertInvalid("teams[0]", () -> chat.listWaiting(ListWaitingRequest.newBuilder().addTeams("nobody").build()));
    }

    /** A visitor handed over after picking this topic and urgency; returns the conversation id. */
    private String handedOverAbout(String topic, String urgency) {
        String id = start();
        say(id, "h1", "talk to a person please");
        say(id, "h2", topic);
        say(id, "h3", urgency);
        return id;
    }

    private String start() {
        return chat.startConversation(StartConversationRequest.newBuilder().setVisitorId("visitor-" + UUID.randomUUID())
                .setLanguage("en").build()).getConversation().getId();
    }

    private ConversationTurn say(String id, String messageId, String text) {
        return chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(id).setMessageId(messageId).setText(text).build());
    }

    private static void assertInvalid(String field, org.junit.jupiter.api.function.Executable call) {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, call);
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertTrue(String.valueOf(refused.getTrailers()).contains(field) || String.valueOf(refused.getStatus().getDescription()).contains(field),
                refused.toString());
    }
}
