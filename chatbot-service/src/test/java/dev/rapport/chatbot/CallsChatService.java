package dev.rapport.chatbot;

import java.time.Duration;
import java.util.List;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import dev.rapport.proto.chat.v1.Article;
import dev.rapport.proto.chat.v1.ChatServiceGrpc;
import dev.rapport.proto.chat.v1.ImportArticlesRequest;
import dev.rapport.proto.chat.v1.SearchArticlesRequest;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;

/** What a test of chatbot-service calls it with: its gRPC API on the test port, and a small help centre. */
public abstract class CallsChatService {
    protected static final List<Article> HELP_CENTRE = List.of(
            about("delivery", "en-GB", "late_delivery", "Where is my order?", "Track your courier live from the order page.",
                    "My food has not arrived yet", "The delivery is late", "Where is the courier with my order?",
                    "Where is my food?", "My order still hasn't come", "The driver is late", "Track my order",
                    "When will my food get here?"),
            about("billing", "en-GB", "refund", "Getting a refund", "Refunds go back to your card within five days.",
                    "I want my money back", "How do I get a refund for a missing item?", "Refund for a cold meal"),
            about("delivery", "en-GB", "change_address", "Changing the delivery address", "You can change it until the restaurant accepts.",
                    "I typed the wrong address", "Can I deliver to another address?", "Change where my order goes"));

    protected ManagedChannel channel;
    protected ChatServiceGrpc.ChatServiceBlockingStub chat;

    @BeforeEach
    protected void connect() {
        channel = TestChannels.toServiceUnderTest();
        chat = ChatServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    protected void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    protected static Article article(String language, String key, String title, String body, String... questions) {
        return Article.newBuilder().setLanguage(language).setKey(key).setTitle(title).setBody(body)
                .addAllExampleQuestions(List.of(questions)).build();
    }

    /** An article about a topic: a hand-over after it goes to that topic's team. */
    protected static Article about(String topic, String language, String key, String title, String body, String... questions) {
        return article(language, key, title, body, questions).toBuilder().setTopic(topic).build();
    }

    /** Imports the help centre and waits until the search index has it (it reloads within two seconds). */
    protected void importHelpCentre() {
        chat.importArticles(ImportArticlesRequest.newBuilder().addAllArticles(HELP_CENTRE).build());
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> chat.searchArticles(
                SearchArticlesRequest.newBuilder().setText("refund").setLanguage("en-GB").build()).getMatchesCount() > 0);
    }
}
