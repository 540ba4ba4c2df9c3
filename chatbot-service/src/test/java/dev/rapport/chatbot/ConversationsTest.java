package dev.rapport.chatbot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest;

import dev.rapport.proto.chat.v1.ChatMessage;
import dev.rapport.proto.chat.v1.ChatMessage.Author;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.GetConversationRequest;
import dev.rapport.proto.chat.v1.SearchArticlesRequest;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.testing.PostgresAndKafka;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Conversations with the bot, stored in real PostgreSQL, answered from the real knowledge base. */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class ConversationsTest extends CallsChatService {

    @BeforeEach
    void helpCentre() {
        importHelpCentre();
    }

    private ConversationTurn start(String language) {
        return chat.startConversation(StartConversationRequest.newBuilder().setVisitorId("visitor-" + UUID.randomUUID())
                .setLanguage(language).build());
    }

    private ConversationTurn say(ConversationTurn conversation, String messageId, String text) {
        return chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(conversation.getConversation().getId())
                .setMessageId(messageId).setText(text).build());
    }

    @Test
    void theBotGreetsAsABotAnswersFromTheHelpCentreAndARetryChangesNothing() {
        ConversationTurn started = start("en-GB");
        assertEquals(Conversation.Status.WITH_BOT, started.getConversation().getStatus());
        assertTrue(started.getReplies(0).getText().contains("not a person"), started.toString());

        ConversationTurn answered = say(started, "m1", "my food still hasn't arrived");
        ChatMessage reply = answered.getReplies(0);
        assertEquals(Author.BOT, reply.getAuthor());
        assertTrue(reply.getText().contains("Track your courier live"), reply.getText());

        ConversationTurn retried = say(started, "m1", "my food still hasn't arrived");
        assertEquals(answered.getRepliesList(), retried.getRepliesList(), "a retry gets the first replies");
        Conversation stored = chat.getConversation(GetConversationRequest.newBuilder().setConversationId(started.getConversation().getId()).build());
        assertEquals(List.of(Author.BOT, Author.CUSTOMER, Author.BOT), stored.getMessagesList().stream().map(ChatMessage::getAuthor).toList());
    }

    @Test
    void askingForAPersonInKoreanHandsOverAndTheBotStaysSilentAfter() {
        ConversationTurn started = start("ko-KR");
        assertTrue(started.getReplies(0).getText().contains("사람이 아닙니다"), started.toString());
        ConversationTurn handedOver = say(started, "m1", "상담원 연결해 주세요");
        assertEquals(Conversation.Status.WAITING_FOR_AGENT, handedOver.getConversation().getStatus());
        assertEquals(Conversation.HandoverReason.ASKED_FOR_PERSON, handedOver.getConversation().getHandoverReason());
        assertTrue(handedOver.getReplies(0).getText().contains("고객지원팀"), handedOver.toString());
        // what it is about and how urgent, as quick replies in Korean; then the place in the queue
        assertEquals("기타 문의", handedOver.getReplies(1).getQuickReplies(3));
        assertEquals("급하지 않아요", say(started, "m2", "기타 문의").getReplies(0).getQuickReplies(2));
        assertTrue(say(started, "m3", "급하지 않아요").getReplies(0).getText().startsWith("대기 순서는"));

        ConversationTurn later = say(started, "m4", "아직 기다리고 있어요");
        assertEquals(0, later.getRepliesCount(), "once handed over, the bot says nothing");
    }

    @Test
    void messagesSentAtOnceTakeTurnsAndEachIsStoredOnce() {
        ConversationTurn started = start("en");
        List<CompletableFuture<ConversationTurn>> sent = new ArrayList<>();
        IntStream.range(0, 6).forEach(i -> sent.add(CompletableFuture.supplyAsync(() -> say(started, "m" + i, "I want my money back"))));
        sent.forEach(CompletableFuture::join);
        Conversation stored = chat.getConversation(GetConversationRequest.newBuilder().setConversationId(started.getConversation().getId()).build());
        assertEquals(6, stored.getMessagesList().stream().filter(m -> m.getAuthor() == Author.CUSTOMER).count());
        assertEquals(Conversation.Status.WAITING_FOR_AGENT, stored.getStatus(), "the same answer is not given twice: a person takes over");
    }

    @Test
    void badInputIsRefusedFieldByFieldAndAnUnknownConversationIsNotFound() throws Exception {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> chat.startConversation(StartConversationRequest.newBuilder().setLanguage("not a language!").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertEquals(List.of("profile_id", "language"), StatusProto.fromThrowable(refused).getDetails(0).unpack(BadRequest.class)
                .getFieldViolationsList().stream().map(BadRequest.FieldViolation::getField).toList());

        ConversationTurn started = start("en");
        StatusRuntimeException empty = assertThrows(StatusRuntimeException.class, () -> say(started, "", " "));
        assertEquals(List.of("message_id", "text"), StatusProto.fromThrowable(empty).getDetails(0).unpack(BadRequest.class)
                .getFieldViolationsList().stream().map(BadRequest.FieldViolation::getField).toList());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> chat.sendMessage(SendMessageRequest.newBuilder()
                .setConversationId(UUID.randomUUID().toString()).setMessageId("m1").setText("hello").build())).getStatus().getCode());
    }

    @Test
    void aPickedArticleIsAnsweredAndAnUnknownOneIsRefused() {
        String refund = chat.searchArticles(SearchArticlesRequest.newBuilder().setText("refund for a cold meal").setLanguage("en").build())
                .getMatches(0).getArticleId();
        ConversationTurn started = start("en");
        ConversationTurn answered = chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(started.getConversation().getId())
                .setMessageId("m1").setArticleId(refund).build());
        assertEquals(refund, answered.getReplies(0).getArticleId());
        Conversation stored = chat.getConversation(GetConversationRequest.newBuilder().setConversationId(started.getConversation().getId()).build());
        assertEquals("Getting a refund", stored.getMessages(1).getText(), "the customer's pick is stored as its title");

        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class, () -> chat.sendMessage(SendMessageRequest.newBuilder()
                .setConversationId(started.getConversation().getId()).setMessageId("m2").setArticleId(UUID.randomUUID().toString()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, unknown.getStatus().getCode());
    }

    @Test
    void aNulCharacterOrSomeoneElsesRequestIdIsRefusedNotAServerError() throws Exception {
        ConversationTurn started = start("en");
        StatusRuntimeException nul = assertThrows(StatusRuntimeException.class, () -> say(started, "m1", "hello\u0000"));
        assertEquals(Status.Code.INVALID_ARGUMENT, nul.getStatus().getCode());

        String requestId = "start-" + UUID.randomUUID();
        ConversationTurn mine = chat.startConversation(StartConversationRequest.newBuilder().setVisitorId("visitor-a").setRequestId(requestId).build());
        assertEquals(mine.getConversation().getId(), chat.startConversation(StartConversationRequest.newBuilder().setVisitorId("visitor-a")
                .setRequestId(requestId).build()).getConversation().getId(), "a retry gets the same conversation");
        StatusRuntimeException theirs = assertThrows(StatusRuntimeException.class, () -> chat.startConversation(
                StartConversationRequest.newBuilder().setVisitorId("visitor-b").setRequestId(requestId).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, theirs.getStatus().getCode());
    }
}
