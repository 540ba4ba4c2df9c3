package dev.rapport.chatbot.knowledge;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.IllformedLocaleException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.chatbot.knowledge.retrieval.SentenceModel;
import dev.rapport.proto.chat.v1.Article;
import dev.rapport.proto.chat.v1.ImportArticlesResponse;
import dev.rapport.proto.chat.v1.ListArticlesResponse;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The articles the bot answers from. Every write stores the article with the embeddings of its title and example
 * questions, and bumps the knowledge revision in the same transaction, so every replica's search index follows.
 */
@ApplicationScoped
public class KnowledgeBase {
    static final int MAX_TITLE = 200;
    static final int MAX_BODY = 20_000;
    static final int MAX_QUESTIONS = 50;
    static final int MAX_QUESTION = 300;
    static final int MAX_IMPORT = 200;
    /** Titles and example questions one import may embed: about two seconds of the model, inside a call's deadline. */
    static final int MAX_IMPORT_TEXTS = 2_000;
    private static final Pattern KEY = Pattern.compile("[a-z0-9][a-z0-9_.-]{0,99}");
    public static final Pattern TOPIC = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");

    private final Pool pool;
    private final SentenceModel model;

    KnowledgeBase(Pool pool, SentenceModel model) {
        this.pool = pool;
        this.model = model;
    }

    /** Creates the article; a repeated request_id returns the article it created the first time. */
    public Uni<Article> create(Article article, String requestId) {
        List<Violation> violations = new ArrayList<>();
        check("article", article, violations);
        if (requestId.length() > 128 || InvalidInput.hasNul(requestId)) {
            violations.add(new Violation("request_id", "at most 128 characters"));
        }
        refuse(violations);
        UUID id = UUID.randomUUID();
        return embedded(List.of(article)).flatMap(vectors -> pool.withTransaction(sql -> sql.preparedQuery("""
                INSERT INTO article (id, request_id, key, language, title, body, example_questions, update_time, vector_model, vectors, topic)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (request_id) DO NOTHING""")
                .execute(row(id, requestId.isEmpty() ? id.toString() : requestId, article, vectors.get(0)))
                .flatMap(inserted -> inserted.rowCount() == 1 ? bump(sql).replaceWith(id)
                        : sql.preparedQuery("SELECT id FROM article WHERE request_id = $1").execute(Tuple.of(requestId))
                                .map(rows -> rows.iterator().next().getUUID("id")))))
                .onFailure(KnowledgeBase::isKeyTaken).transform(f -> keyTaken("article.key"))
                .flatMap(this::get);
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

    /** Replaces the article; when {@code article.version} is set it must be the stored version. */
    public Uni<Article> update(UUID id, Article article) {
        List<Violation> violations = new ArrayList<>();
        check("article", article, violations);
        refuse(violations);
        return embedded(List.of(article)).flatMap(vectors -> pool.withTransaction(sql -> sql.preparedQuery("""
                UPDATE article SET key = $3, language = $4, title = $5, body = $6, example_questions = $7, update_time = $8,
                       vector_model = $9, vectors = $10, topic = $11, version = version + 1
                WHERE id = $1 AND ($2::bigint = 0 OR version = $2)""")
                .execute(row(id, article.getVersion(), article, vectors.get(0)))
                .flatMap(updated -> updated.rowCount() == 1 ? bump(sql)
                        : sql.preparedQuery("SELECT version FROM article WHERE id = $1").execute(Tuple.of(id)).map(rows -> {
                            if (!rows.iterator().hasNext()) {
                                throw new NotFound("article");
                            }
                            throw Status.FAILED_PRECONDITION.withDescription("the article changed since version "
                                    + article.getVersion() + "; it is now at version " + rows.iterator().next().getLong("version"))
                                    .asRuntimeException();
                        }))))
                .onFailure(KnowledgeBase::isKeyTaken).transform(f -> keyTaken("article.key"))
                .flatMap(done -> get(id));
    }

    public Uni<Void> delete(UUID id) {
        return pool.withTransaction(sql -> sql.preparedQuery("DELETE FROM article WHERE id = $1").execute(Tuple.of(id))
                .flatMap(deleted -> {
                    if (deleted.rowCount() == 0) {
                        throw new NotFound("article");
                    }
                    return bump(sql);
                }));
    }

    /** A page of articles, newest first; the token is the last row's (update_time, id). */
    public Uni<ListArticlesResponse> list(String language, int pageSize, String pageToken) {
        List<Violation> violations = new ArrayList<>();
        if (!language.isEmpty() && !isLanguageTag(language)) {
            violations.add(new Violation("language", "a BCP 47 language tag such as en, ko or es-MX"));
        }
        if (pageSize < 0 || pageSize > 500) {
            violations.add(new Violation("page_size", "between 1 and 500"));
        }
        OffsetDateTime afterTime = null;
        UUID afterId = null;
        if (!pageToken.isEmpty()) {
            try {
                String[] parts = new String(Base64.getUrlDecoder().decode(pageToken)).split("\n", 2);
                afterTime = OffsetDateTime.parse(parts[0]);
                afterId = UUID.fromString(parts[1]);
            } catch (RuntimeException e) {
                violations.add(new Violation("page_token", "not a token this API gave"));
            }
        }
        refuse(violations);
        int size = pageSize == 0 ? 50 : pageSize;
        return pool.preparedQuery("""
                SELECT * FROM article
                WHERE ($1 = '' OR language = $1) AND ($2::timestamptz IS NULL OR (update_time, id) < ($2, $3))
                ORDER BY update_time DESC, id DESC LIMIT $4""")
                .execute(Tuple.of(language.isEmpty() ? "" : canonical(language), afterTime, afterId, size + 1))
                .map(rows -> {
                    ListArticlesResponse.Builder page = ListArticlesResponse.newBuilder();
                    Row last = null;
                    for (Row row : rows) {
                        if (page.getArticlesCount() == size) {
                            page.setNextPageToken(Base64.getUrlEncoder().withoutPadding().encodeToString(
                                    (last.getOffsetDateTime("update_time") + "\n" + last.getUUID("id")).getBytes()));
                            break;
                        }
                        page.addArticles(toArticle(row));
                        last = row;
                    }
                    return page.build();
                });
    }

    /** Creates or replaces every article, matched by (key, language), in one transaction: all or none. */
    public Uni<ImportArticlesResponse> importAll(List<Article> articles) {
        List<Violation> violations = new ArrayList<>();
        if (articles.isEmpty() || articles.size() > MAX_IMPORT) {
            violations.add(new Violation("articles", "between 1 and " + MAX_IMPORT + " articles"));
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < articles.size() && i < MAX_IMPORT; i++) {
            Article a = articles.get(i);
            check("articles[" + i + "]", a, violations);
            if (a.getKey().isEmpty()) {
                violations.add(new Violation("articles[" + i + "].key", "required when importing"));
            } else if (!seen.add(a.getKey() + "\n" + canonicalOrRaw(a.getLanguage()))) {
                violations.add(new Violation("articles[" + i + "].key", "appears twice for this language"));
            }
        }
        int texts = articles.stream().mapToInt(a -> 1 + a.getExampleQuestionsCount()).sum();
        if (texts > MAX_IMPORT_TEXTS) {
            violations.add(new Violation("articles", "at most " + MAX_IMPORT_TEXTS + " titles and example questions in all; import in batches"));
        }
        refuse(violations);
        return embedded(articles).flatMap(vectors -> pool.withTransaction(sql -> {
            Uni<int[]> counts = Uni.createFrom().item(new int[2]);
            for (int i = 0; i < articles.size(); i++) {
                Article a = articles.get(i);
                byte[] v = vectors.get(i);
                counts = counts.flatMap(c -> sql.preparedQuery("""
                        INSERT INTO article (id, request_id, key, language, title, body, example_questions, update_time, vector_model, vectors, topic)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                        ON CONFLICT (key, language) WHERE key IS NOT NULL DO UPDATE SET title = EXCLUDED.title, body = EXCLUDED.body,
                            example_questions = EXCLUDED.example_questions, update_time = EXCLUDED.update_time, topic = EXCLUDED.topic,
                            vector_model = EXCLUDED.vector_model, vectors = EXCLUDED.vectors, version = article.version + 1
                        RETURNING (xmax = 0) AS created""")
                        .execute(row(UUID.randomUUID(), null, a, v))
                        .map(rows -> {
                            c[rows.iterator().next().getBoolean("created") ? 0 : 1]++;
                            return c;
                        }));
            }
            return counts.flatMap(c -> bump(sql).replaceWith(
                    ImportArticlesResponse.newBuilder().setCreated(c[0]).setUpdated(c[1]).build()));
        }));
    }

    /** The knowledge revision: it changes whenever an article does. */
    public Uni<Long> revision() {
        return pool.query("SELECT revision FROM knowledge_revision").execute()
                .map(rows -> rows.iterator().next().getLong("revision"));
    }

    /** Every article with its stored embeddings, for the search index. */
    public Uni<List<Row>> all() {
        return pool.query("SELECT id, language, title, example_questions, vector_model, vectors FROM article").execute()
                .map(rows -> {
                    List<Row> list = new ArrayList<>();
                    rows.forEach(list::add);
                    return list;
                });
    }

    /** The texts an article is found by, in the order their embeddings are stored: its title, then its questions. */
    public static List<String> searchTexts(String title, List<String> questions) {
        List<String> texts = new ArrayList<>(questions.size() + 1);
        texts.add(title);
        texts.addAll(questions);
        return texts;
    }

    public static byte[] pack(List<float[]> vectors) {
        int dimensions = vectors.isEmpty() ? 0 : vectors.get(0).length;
        ByteBuffer buffer = ByteBuffer.allocate(vectors.size() * dimensions * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] v : vectors) {
            for (float f : v) {
                buffer.putFloat(f);
            }
        }
        return buffer.array();
    }

    public static List<float[]> unpack(byte[] packed, int dimensions) {
        ByteBuffer buffer = ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN);
        List<float[]> vectors = new ArrayList<>();
        while (buffer.remaining() >= dimensions * Float.BYTES) {
            float[] v = new float[dimensions];
            for (int d = 0; d < dimensions; d++) {
                v[d] = buffer.getFloat();
            }
            vectors.add(v);
        }
        return vectors;
    }

    /** Embeds on a worker thread (the model is CPU work); languages the model does not cover get no vectors. */
    private Uni<List<byte[]>> embedded(List<Article> articles) {
        return Uni.createFrom().item(() -> articles.stream()
                .map(a -> model.covers(a.getLanguage())
                        ? pack(model.embedAll(searchTexts(a.getTitle(), a.getExampleQuestionsList())))
                        : null)
                .toList())
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private Tuple row(UUID id, Object requestIdOrVersion, Article a, byte[] vectors) {
        return Tuple.from(java.util.Arrays.asList(id, requestIdOrVersion, a.getKey().isEmpty() ? null : a.getKey(),
                canonical(a.getLanguage()), a.getTitle(), a.getBody(), a.getExampleQuestionsList().toArray(String[]::new),
                OffsetDateTime.now(ZoneOffset.UTC), vectors == null ? null : model.name(),
                vectors == null ? null : io.vertx.core.buffer.Buffer.buffer(vectors), a.getTopic().isEmpty() ? null : a.getTopic()));
    }

    private static Uni<Void> bump(SqlClient sql) {
        return sql.query("UPDATE knowledge_revision SET revision = revision + 1").execute().replaceWithVoid();
    }

    private static boolean isKeyTaken(Throwable failure) {
        return failure instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())
                && String.valueOf(pg.getConstraint()).equals("article_key");
    }

    private static RuntimeException keyTaken(String field) {
        return new InvalidInput(field, "another article in this language has this key");
    }

    private static void check(String field, Article article, List<Violation> violations) {
        if (!isLanguageTag(article.getLanguage())) {
            violations.add(new Violation(field + ".language", "a BCP 47 language tag such as en, ko or es-MX"));
        }
        if (!article.getKey().isEmpty() && !KEY.matcher(article.getKey()).matches()) {
            violations.add(new Violation(field + ".key", "lower-case letters, digits, '_', '.', '-'; at most 100"));
        }
        if (!article.getTopic().isEmpty() && !TOPIC.matcher(article.getTopic()).matches()) {
            violations.add(new Violation(field + ".topic", "lower-case letters, digits, '_', '-'; at most 40 (e.g. billing)"));
        }
        if (article.getTitle().isBlank() || article.getTitle().length() > MAX_TITLE || InvalidInput.hasNul(article.getTitle())) {
            violations.add(new Violation(field + ".title", "required, at most " + MAX_TITLE + " characters"));
        }
        if (article.getBody().isBlank() || article.getBody().length() > MAX_BODY || InvalidInput.hasNul(article.getBody())) {
            violations.add(new Violation(field + ".body", "required, at most " + MAX_BODY + " characters"));
        }
        if (article.getExampleQuestionsCount() > MAX_QUESTIONS) {
            violations.add(new Violation(field + ".example_questions", "at most " + MAX_QUESTIONS));
        }
        for (int i = 0; i < article.getExampleQuestionsCount() && i <= MAX_QUESTIONS; i++) {
            String question = article.getExampleQuestions(i);
            if (question.isBlank() || question.length() > MAX_QUESTION || InvalidInput.hasNul(question)) {
                violations.add(new Violation(field + ".example_questions[" + i + "]", "not blank, at most " + MAX_QUESTION + " characters"));
            }
        }
    }

    private static void refuse(List<Violation> violations) {
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
    }

    public static boolean isLanguageTag(String tag) {
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

    public static String canonical(String tag) {
        return Locale.forLanguageTag(tag).toLanguageTag();
    }

    private static String canonicalOrRaw(String tag) {
        return isLanguageTag(tag) ? canonical(tag) : tag;
    }

    private static Article toArticle(Row row) {
        return Article.newBuilder()
                .setId(row.getUUID("id").toString())
                .setKey(row.getString("key") == null ? "" : row.getString("key"))
                .setTopic(row.getString("topic") == null ? "" : row.getString("topic"))
                .setVersion(row.getLong("version"))
                .setLanguage(row.getString("language"))
                .setTitle(row.getString("title"))
                .setBody(row.getString("body"))
                .addAllExampleQuestions(List.of(row.getArrayOfStrings("example_questions")))
                .setUpdateTime(Envelopes.timestamp(row.getOffsetDateTime("update_time").toInstant()))
                .build();
    }
}
