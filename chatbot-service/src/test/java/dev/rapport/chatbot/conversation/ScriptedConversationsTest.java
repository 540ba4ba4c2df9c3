package dev.rapport.chatbot.conversation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import dev.rapport.chatbot.conversation.Dialogue.Answer;
import dev.rapport.chatbot.conversation.Dialogue.HandOver;
import dev.rapport.chatbot.conversation.Dialogue.Handover;
import dev.rapport.chatbot.conversation.Dialogue.Move;
import dev.rapport.chatbot.conversation.Dialogue.Offer;
import dev.rapport.chatbot.conversation.Dialogue.Resolved;
import dev.rapport.chatbot.conversation.Dialogue.Silent;
import dev.rapport.chatbot.conversation.Dialogue.State;
import dev.rapport.chatbot.conversation.Dialogue.Step;
import dev.rapport.chatbot.knowledge.ArticleSearch;
import dev.rapport.chatbot.knowledge.KnowledgeBase;
import dev.rapport.chatbot.knowledge.retrieval.AnswerPolicy;
import dev.rapport.chatbot.knowledge.retrieval.ArticleIndex;
import dev.rapport.chatbot.knowledge.retrieval.SentenceModel;
import dev.rapport.proto.chat.v1.ArticleMatch;
import dev.rapport.proto.chat.v1.SearchArticlesResponse;

/**
 * Scripted conversations against a small help centre, searched by the real model with the shipped policy: the bot
 * answers, offers choices, and hands over instead of looping.
 */
@Tag("in-process-model")
class ScriptedConversationsTest {
    private static SentenceModel model;
    private static ArticleIndex index;
    private static ArticleSearch.Policies policies;

    @BeforeAll
    static void helpCentre() throws IOException {
        model = new SentenceModel();
        List<ArticleIndex.Entry> entries = new ArrayList<>();
        entry(entries, "late", "Where is my order?", "My food has not arrived yet", "The delivery is late",
                "Where is the courier with my order?", "How long until my order arrives?", "My order is taking forever",
                "Where is my food?", "My order still hasn't come", "The driver is late", "Track my order", "When will my food get here?");
        entry(entries, "refund", "Getting a refund", "I want my money back", "How do I get a refund for a missing item?",
                "Refund for a cold meal", "Can I get my money back for a wrong order?");
        entry(entries, "address", "Changing the delivery address", "I typed the wrong address",
                "Can I deliver to another address?", "Change where my order goes", "How do I update my delivery address?");
        entry(entries, "payment", "A payment that failed", "My card was declined", "Payment failed at checkout",
                "Why can't I pay for my order?", "The app won't take my card");
        entry(entries, "account", "Deleting your account", "How do I delete my account?", "Close my account",
                "Remove all my data", "I want to stop using the app and delete everything");
        index = ArticleIndex.of(entries);
        Properties config = new Properties();
        try (InputStream in = ScriptedConversationsTest.class.getResourceAsStream("/application.properties")) {
            config.load(in);
        }
        List<AnswerPolicy.Calibrated> calibrated = List.of(policy(config, "minilm-dense"), policy(config, "minilm-sparse"),
                policy(config, "keywords"));
        policies = (name, examples) -> AnswerPolicy.nearest(calibrated, name, examples);
    }

    private static void entry(List<ArticleIndex.Entry> entries, String id, String title, String... questions) {
        List<String> texts = KnowledgeBase.searchTexts(title, List.of(questions));
        entries.add(new ArticleIndex.Entry(id, "en", title, texts, model.embedAll(texts)));
    }

    private static AnswerPolicy.Calibrated policy(Properties config, String name) {
        String p = "rapport.chat.answer-policy." + name + ".";
        return new AnswerPolicy.Calibrated(config.getProperty(p + "model"), Integer.parseInt(config.getProperty(p + "examples-per-article")), new AnswerPolicy(Double.parseDouble(config.getProperty(p + "keyword-weight")),
                Double.parseDouble(config.getProperty(p + "answer-score")), Double.parseDouble(config.getProperty(p + "answer-margin")),
                Double.parseDouble(config.getProperty(p + "clarify-score")), 3));
    }

    /** A conversation: each customer message goes through the real search and the dialogue. */
    private static final class Chat {
        State state = State.start();

        Move say(String message) {
            SearchArticlesResponse search = ArticleSearch.search(index, model, policies, "en", message, "en", false, 5);
            Step step = Dialogue.next(state, message, search);
            state = step.state();
            return step.move();
        }
    }

    @Test
    void aQuestionTheHelpCentreAnswersIsAnsweredAndThanksResolveIt() {
        Chat chat = new Chat();
        Answer answer = assertInstanceOf(Answer.class, chat.say("my food still hasn't arrived"));
        assertEquals("late", answer.article().getArticleId());
        assertInstanceOf(Resolved.class, chat.say("Thanks, that helped"));
    }

    @Test
    void askingForAPersonHandsOverAtOnceInEveryLanguage() {
        for (String ask : List.of("I want to talk to a person", "Can I speak with a real human?", "agent please",
                "상담원 연결해 주세요", "사람이랑 얘기하고 싶어요", "Quiero hablar con una persona", "Vull parlar amb una persona")) {
            HandOver handOver = assertInstanceOf(HandOver.class, new Chat().say(ask), ask);
            assertEquals(Handover.ASKED_FOR_PERSON, handOver.reason(), ask);
        }
    }

    @Test
    void frustrationHandsOver() {
        for (String angry : List.of("this bot is useless", "WHERE IS MY ORDER", "are you kidding me?!", "진짜 짜증나요", "esto es inútil")) {
            HandOver handOver = assertInstanceOf(HandOver.class, new Chat().say(angry), angry);
            assertEquals(Handover.FRUSTRATED, handOver.reason(), angry);
        }
    }

    @Test
    void aQuestionNothingAnswersGoesToAPersonWithoutAskingToRephrase() {
        HandOver handOver = assertInstanceOf(HandOver.class, new Chat().say("what is the capital of Mongolia"));
        assertEquals(Handover.NO_ANSWER, handOver.reason());
    }

    @Test
    void theSameAnswerIsNeverGivenTwice() {
        Chat chat = new Chat();
        assertEquals("late", assertInstanceOf(Answer.class, chat.say("where is my order?")).article().getArticleId());
        HandOver handOver = assertInstanceOf(HandOver.class, chat.say("where is my order?"), "asked again, not answered again");
        assertEquals(Handover.SAME_ANSWER_TWICE, handOver.reason());
    }

    @Test
    void twoTurnsWithoutProgressHandOver() {
        Chat chat = new Chat();
        assertInstanceOf(Answer.class, chat.say("I want a refund for my cold meal"));
        Offer alternatives = assertInstanceOf(Offer.class, chat.say("that didn't help"));
        assertEquals(false, alternatives.choices().stream().anyMatch(c -> c.getArticleId().equals("refund")),
                "what did not help is not offered again");
        HandOver handOver = assertInstanceOf(HandOver.class, chat.say("none of these"));
        assertEquals(Handover.NO_PROGRESS, handOver.reason());
    }

    @Test
    void aCustomerWhoPicksAnOfferedArticleGetsIt() {
        State offered = new State(true, java.util.Set.of(), List.of(match("refund", "Getting a refund"),
                match("payment", "A payment that failed")), List.of(), 1);
        SearchArticlesResponse unrelated = ArticleSearch.search(index, model, policies, "en", "2", "en", false, 5);
        Step byNumber = Dialogue.next(offered, "2", unrelated);
        assertEquals("payment", assertInstanceOf(Answer.class, byNumber.move()).article().getArticleId());
        assertEquals(0, byNumber.state().withoutProgress(), "picking a choice is progress");
        Step byTitle = Dialogue.next(offered, "getting a refund", unrelated);
        assertEquals("refund", assertInstanceOf(Answer.class, byTitle.move()).article().getArticleId());
    }

    @Test
    void onceHandedOverTheBotSaysNothingMore() {
        Chat chat = new Chat();
        assertInstanceOf(HandOver.class, chat.say("talk to a human"));
        for (String message : List.of("hello?", "where is my order", "thanks")) {
            assertInstanceOf(Silent.class, chat.say(message), message);
        }
    }

    private static ArticleMatch match(String id, String title) {
        return ArticleMatch.newBuilder().setArticleId(id).setTitle(title).build();
    }
}
