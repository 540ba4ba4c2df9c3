package dev.rapport.chatbot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest;

import dev.rapport.proto.chat.v1.Article;
import dev.rapport.proto.chat.v1.DeleteArticleRequest;
import dev.rapport.proto.chat.v1.ImportArticlesRequest;
import dev.rapport.proto.chat.v1.ImportArticlesResponse;
import dev.rapport.proto.chat.v1.ListArticlesRequest;
import dev.rapport.proto.chat.v1.SearchArticlesRequest;
import dev.rapport.proto.chat.v1.SearchArticlesResponse;
import dev.rapport.proto.chat.v1.SearchArticlesResponse.Decision;
import dev.rapport.proto.chat.v1.UpdateArticleRequest;
import dev.rapport.testing.PostgresAndKafka;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The knowledge base as the bot searches it, against real PostgreSQL, with the real embedding model. */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class ArticleSearchTest extends CallsChatService {

    @Test
    void anUnseenQuestionFindsItsArticleAndTheBotKnowsWhenToHandOver() {
        ImportArticlesResponse imported = chat.importArticles(ImportArticlesRequest.newBuilder().addAllArticles(HELP_CENTRE).build());
        assertEquals(3, imported.getCreated() + imported.getUpdated());

        SearchArticlesResponse late = eventually(() -> search("en-GB", "my dinner still hasn't come, where is the driver?", false),
                r -> r.getMatchesCount() > 0 && r.getMatches(0).getTitle().equals("Where is my order?"));
        assertEquals("all-minilm-l6-v2-q", late.getModel());
        assertEquals("en", late.getLanguage(), "one English shelf, whatever the region");
        assertTrue(late.getMatches(0).getScore() > late.getMatches(1).getScore());

        SearchArticlesResponse offTopic = search("en-GB", "what is the capital of Mongolia", false);
        assertEquals(Decision.ESCALATE, offTopic.getDecision(), offTopic.toString());

        // re-importing the same keys replaces, it does not duplicate
        ImportArticlesResponse again = chat.importArticles(ImportArticlesRequest.newBuilder().addAllArticles(HELP_CENTRE).build());
        assertEquals(0, again.getCreated());
        assertEquals(3, again.getUpdated());
        assertEquals(3, chat.listArticles(ListArticlesRequest.newBuilder().setLanguage("en-GB").build()).getArticlesCount());
    }

    @Test
    void typingSuggestsArticlesBeforeTheQuestionIsFinished() {
        chat.importArticles(ImportArticlesRequest.newBuilder().addAllArticles(HELP_CENTRE).build());
        SearchArticlesResponse typing = eventually(() -> search("en-GB", "I want a refu", true),
                r -> r.getMatchesCount() > 0 && r.getMatches(0).getTitle().equals("Getting a refund"));
        assertTrue(typing.getMatches(0).getKeywordScore() > 0, typing.toString());
    }

    @Test
    void koreanArticlesAreFoundByTheirWordsAndOtherLanguagesFallBack() {
        chat.importArticles(ImportArticlesRequest.newBuilder()
                .addArticles(article("ko", "late_delivery", "주문이 어디에 있나요?", "주문 화면에서 배달원의 위치를 실시간으로 확인하세요.",
                        "배달이 늦어요", "음식이 아직 안 왔어요"))
                .addArticles(article("ko", "refund", "환불 받기", "환불은 5일 안에 카드로 돌아갑니다.",
                        "환불하고 싶어요", "돈을 돌려받고 싶어요"))
                .build());
        SearchArticlesResponse korean = eventually(() -> search("ko-KR", "배달이 너무 늦어요", false),
                r -> r.getMatchesCount() > 0 && r.getMatches(0).getTitle().equals("주문이 어디에 있나요?"));
        assertEquals("keywords", korean.getModel());
        assertEquals("ko", korean.getLanguage());

        chat.importArticles(ImportArticlesRequest.newBuilder().addAllArticles(HELP_CENTRE).build());
        SearchArticlesResponse french = eventually(() -> search("fr", "I typed the wrong address", false),
                r -> r.getMatchesCount() > 0);
        assertEquals("en", french.getLanguage(), "French has no articles: the fallback language's shelf");
    }

    @Test
    void aBadImportWritesNothingAndNamesEachBadArticle() throws Exception {
        int before = chat.listArticles(ListArticlesRequest.newBuilder().setLanguage("es").setPageSize(500).build()).getArticlesCount();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> chat.importArticles(ImportArticlesRequest.newBuilder()
                .addArticles(article("es", "envio", "¿Dónde está mi pedido?", "Sigue al repartidor en la app.", "Mi pedido no llega"))
                .addArticles(article("es", "reembolso", "", "Sin título", "Quiero mi dinero"))
                .addArticles(article("es", "envio", "Duplicado", "El mismo key", "otra vez"))
                .build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        BadRequest details = StatusProto.fromThrowable(refused).getDetails(0).unpack(BadRequest.class);
        assertEquals(List.of("articles[1].title", "articles[2].key"),
                details.getFieldViolationsList().stream().map(BadRequest.FieldViolation::getField).toList());
        assertEquals(before, chat.listArticles(ListArticlesRequest.newBuilder().setLanguage("es").setPageSize(500).build()).getArticlesCount());
    }

    @Test
    void anEditBasedOnAnOldVersionIsRefusedAndADeletedArticleIsNoLongerFound() {
        Article stored = chat.importArticles(ImportArticlesRequest.newBuilder().addArticles(
                article("de", "passwort", "Passwort zurücksetzen", "Tippe auf 'Passwort vergessen'.", "Ich habe mein Passwort vergessen")).build())
                .getCreated() == 1 ? chat.listArticles(ListArticlesRequest.newBuilder().setLanguage("de").build()).getArticles(0) : null;
        Article edited = chat.updateArticle(UpdateArticleRequest.newBuilder()
                .setArticle(stored.toBuilder().setBody("Tippe auf 'Passwort vergessen' und folge der E-Mail.")).build());
        assertEquals(stored.getVersion() + 1, edited.getVersion());
        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> chat.updateArticle(
                UpdateArticleRequest.newBuilder().setArticle(stored.toBuilder().setTitle("Alter Stand")).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, stale.getStatus().getCode());

        eventually(() -> search("de", "Passwort vergessen", false), r -> r.getMatchesCount() == 1);
        chat.deleteArticle(DeleteArticleRequest.newBuilder().setId(stored.getId()).build());
        eventually(() -> search("de", "Passwort vergessen", false), r -> r.getMatchesCount() == 0 || !r.getLanguage().equals("de"));
    }

    @Test
    void aQuestionTooLongOrInNoLanguageIsRefused() {
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> search("en", "x".repeat(1_001), false)).getStatus().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> search("not a language!", "hello", false)).getStatus().getCode());
    }

    private SearchArticlesResponse search(String language, String text, boolean typing) {
        return chat.searchArticles(SearchArticlesRequest.newBuilder().setLanguage(language).setText(text).setTyping(typing).build());
    }

    /** The index follows the database within seconds (it checks the knowledge revision every two). */
    private static SearchArticlesResponse eventually(java.util.function.Supplier<SearchArticlesResponse> call,
            Predicate<SearchArticlesResponse> until) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(15));
        SearchArticlesResponse last = call.get();
        while (!until.test(last) && Instant.now().isBefore(deadline)) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            last = call.get();
        }
        assertTrue(until.test(last), last.toString());
        return last;
    }
}
