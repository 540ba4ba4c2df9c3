package dev.rapport.chatbot.knowledge;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.IllformedLocaleException;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.chat.v1.Article;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/** The articles the bot answers from. */
@ApplicationScoped
public class KnowledgeBase {
    static final int MAX_TITLE = 200;
    static final int MAX_BODY = 20_000;
    static final int MAX_QUESTIONS = 50;
    static final int MAX_QUESTION = 300;

    private final Pool pool;

    KnowledgeBase(Pool pool) {
        this.pool = pool;
    }

    /** Creates the article; a repeated request_id returns the article it created the first time. */
    public Uni<Article> create(Article article, String requestId) {
        check(article, requestId);
        UUID id = UUID.randomUUID();
        String language = Locale.forLanguageTag(article.getLanguage()).toLanguageTag();
        return pool.preparedQuery("""
                INSERT INTO article (id, request_id, language, title, body, example_questions, update_time)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (request_id) DO NOTHING""")
                .execute(Tuple.from(List.of(id, requestId.isEmpty() ? id.toString() : requestId, language, article.getTitle(),
                        article.getBody(), article.getExampleQuestionsList().toArray(String[]::new),
                        OffsetDateTime.now(ZoneOffset.UTC))))
                .flatMap(inserted -> inserted.rowCount() == 1 ? get(id)
                        : pool.preparedQuery("SELECT * FROM article WHERE request_id = $1").execute(Tuple.of(requestId))
                                .map(rows -> toArticle(rows.iterator().next())));
    }

    public Uni<Article> get(UUID id) {
        return pool.preparedQuery("SELECT * FROM article WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw new NotFound("article");
                    }
                    return toArticle(rows.iterator().next());
                });
    }

    private static void check(Article article, String requestId) {
        List<Violation> violations = new ArrayList<>();
        if (!isLanguageTag(article.getLanguage())) {
            violations.add(new Violation("article.language", "a BCP 47 language tag such as en, ko or es-MX"));
        }
        if (article.getTitle().isBlank() || article.getTitle().length() > MAX_TITLE) {
            violations.add(new Violation("article.title", "required, at most " + MAX_TITLE + " characters"));
        }
        if (article.getBody().isBlank() || article.getBody().length() > MAX_BODY) {
            violations.add(new Violation("article.body", "required, at most " + MAX_BODY + " characters"));
        }
        if (article.getExampleQuestionsCount() > MAX_QUESTIONS) {
            violations.add(new Violation("article.example_questions", "at most " + MAX_QUESTIONS));
        }
        for (int i = 0; i < article.getExampleQuestionsCount(); i++) {
            String question = article.getExampleQuestions(i);
            if (question.isBlank() || question.length() > MAX_QUESTION) {
                violations.add(new Violation("article.example_questions[" + i + "]", "not blank, at most " + MAX_QUESTION + " characters"));
            }
        }
        if (requestId.length() > 128) {
            violations.add(new Violation("request_id", "at most 128 characters"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
    }

    static boolean isLanguageTag(String tag) {
        if (tag.isBlank()) {
            return false;
        }
        try {
            Locale locale = new Locale.Builder().setLanguageTag(tag).build();
            return !locale.getLanguage().isEmpty();
        } catch (IllformedLocaleException e) {
            return false;
        }
    }

    private static Article toArticle(Row row) {
        return Article.newBuilder()
                .setId(row.getUUID("id").toString())
                .setLanguage(row.getString("language"))
                .setTitle(row.getString("title"))
                .setBody(row.getString("body"))
                .addAllExampleQuestions(List.of(row.getArrayOfStrings("example_questions")))
                .setUpdateTime(Envelopes.timestamp(row.getOffsetDateTime("update_time").toInstant()))
                .build();
    }
}
