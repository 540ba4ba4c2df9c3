package dev.rapport.chatbot.conversation;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.chatbot.conversation.Dialogue.Move;
import dev.rapport.chatbot.knowledge.ArticleSearch;
import dev.rapport.chatbot.knowledge.KnowledgeBase;
import dev.rapport.proto.chat.v1.ArticleMatch;
import dev.rapport.proto.chat.v1.ChatMessage;
import dev.rapport.proto.chat.v1.ChatMessage.Author;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.Conversation.HandoverReason;
import dev.rapport.proto.chat.v1.Conversation.Status;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.SearchArticlesResponse;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Support conversations with the bot, stored: each customer message, the bot's replies and the dialogue state are
 * written in one transaction with the conversation locked, so concurrent messages take turns and a retried message
 * gets the replies the first one got.
 */
@ApplicationScoped
public class Conversations {
    static final int MAX_TEXT = 2_000;
    /** Articles the search returns for a message: the answer, the choices and the alternatives after a miss. */
    private static final int CANDIDATES = 5;

    private final Pool pool;
    private final ArticleSearch search;

    Conversations(Pool pool, ArticleSearch search) {
        this.pool = pool;
        this.search = search;
    }

    public Uni<ConversationTurn> start(StartConversationRequest request) {
        List<Violation> violations = new ArrayList<>();
        UUID profileId = null;
        if (!request.getProfileId().isEmpty()) {
            profileId = Ids.profile("profile_id", request.getProfileId());
        }
        if (request.getVisitorId().length() > 128 || InvalidInput.hasNul(request.getVisitorId())) {
            violations.add(new Violation("visitor_id", "at most 128 characters"));
        }
        if (profileId == null && request.getVisitorId().isBlank()) {
            violations.add(new Violation("profile_id", "a profile id or a visitor id is required"));
        }
        if (request.getRequestId().length() > 128 || InvalidInput.hasNul(request.getRequestId())) {
            violations.add(new Violation("request_id", "at most 128 characters"));
        }
        String language = request.getLanguage().isEmpty() ? "en" : request.getLanguage();
        if (!KnowledgeBase.isLanguageTag(language)) {
            violations.add(new Violation("language", "a BCP 47 language tag such as en, ko or es-MX"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        UUID id = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String spoken = violations.isEmpty() ? KnowledgeBase.canonical(language) : language;
        UUID profile = profileId;
        return pool.withTransaction(sql -> sql.preparedQuery("""
                INSERT INTO conversation (id, request_id, profile_id, visitor_id, language, status, dialogue, start_time, update_time)
                VALUES ($1, $2, $3, $4, $5, 'WITH_BOT', $6, $7, $7) ON CONFLICT (request_id) DO NOTHING""")
                .execute(Tuple.from(Arrays.asList(id, request.getRequestId().isEmpty() ? id.toString() : request.getRequestId(),
                        profile, request.getVisitorId().isEmpty() ? null : request.getVisitorId(), spoken,
                        store(Dialogue.State.start()), now)))
                .flatMap(inserted -> inserted.rowCount() == 1
                        ? insert(sql, id, 1, null, null, Author.BOT, BotLines.line(spoken, "greeting"), null, List.of(), now)
                                .replaceWith(id)
                        : sql.preparedQuery("SELECT id, profile_id, visitor_id FROM conversation WHERE request_id = $1")
                                .execute(Tuple.of(request.getRequestId()))
                                .map(rows -> {
                                    Row first = rows.iterator().next();
                                    // a request id names one caller's conversation: another caller reusing it learns nothing
                                    if (!java.util.Objects.equals(first.getUUID("profile_id"), profile)
                                            || !java.util.Objects.equals(first.getString("visitor_id"),
                                                    request.getVisitorId().isEmpty() ? null : request.getVisitorId())) {
                                        throw new InvalidInput("request_id", "already used for another conversation");
                                    }
                                    return first.getUUID("id");
                                })))
                .flatMap(conversationId -> get(conversationId).map(c -> ConversationTurn.newBuilder()
                        .setConversation(c.toBuilder().clearMessages())
                        .addAllReplies(c.getMessagesList().stream().filter(m -> m.getAuthor() == Author.BOT).limit(1).toList())
                        .build()));
    }

    public Uni<ConversationTurn> send(SendMessageRequest request) {
        UUID id = Ids.uuid("conversation_id", request.getConversationId(), "a conversation id");
        List<Violation> violations = new ArrayList<>();
        if (request.getMessageId().isBlank() || request.getMessageId().length() > 128 || InvalidInput.hasNul(request.getMessageId())) {
            violations.add(new Violation("message_id", "required, at most 128 characters"));
        }
        boolean picked = !request.getArticleId().isEmpty();
        UUID articleId = null;
        if (picked) {
            try {
                articleId = UUID.fromString(request.getArticleId());
            } catch (IllegalArgumentException e) {
                violations.add(new Violation("article_id", "not an article id"));
            }
        }
        if ((!picked && request.getText().isBlank()) || request.getText().length() > MAX_TEXT || InvalidInput.hasNul(request.getText())) {
            violations.add(new Violation("text", "required (unless an article is picked), at most " + MAX_TEXT + " characters"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        UUID article = articleId;
        return pool.preparedQuery("SELECT language, status FROM conversation WHERE id = $1").execute(Tuple.of(id))
                .flatMap(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw new NotFound("conversation");
                    }
                    // nothing to search for a pick, or once a person holds the conversation (the bot stays silent)
                    if (picked || !Status.WITH_BOT.name().equals(rows.iterator().next().getString("status"))) {
                        return Uni.createFrom().item(SearchArticlesResponse.getDefaultInstance());
                    }
                    String language = rows.iterator().next().getString("language");
                    String text = request.getText().length() > ArticleSearch.MAX_TEXT
                            ? request.getText().substring(0, ArticleSearch.MAX_TEXT) : request.getText();
                    return search.search(text, language, false, CANDIDATES);
                })
                .flatMap(found -> pool.withTransaction(sql -> turn(sql, id, request, article, found)));
    }

    private Uni<ConversationTurn> turn(SqlClient sql, UUID id, SendMessageRequest request, UUID article, SearchArticlesResponse found) {
        return sql.preparedQuery("SELECT * FROM conversation WHERE id = $1 FOR UPDATE").execute(Tuple.of(id))
                .flatMap(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw new NotFound("conversation");
                    }
                    Row conversation = rows.iterator().next();
                    return sql.preparedQuery("SELECT seq FROM chat_message WHERE conversation_id = $1 AND client_message_id = $2")
                            .execute(Tuple.of(id, request.getMessageId()))
                            .flatMap(seen -> seen.iterator().hasNext()
                                    ? replies(sql, id, seen.iterator().next().getInteger("seq"))
                                    : decide(sql, conversation, request, article, found)
                                            .flatMap(turn -> write(sql, conversation, request.getMessageId(), turn)))
                            .flatMap(replies -> get(sql, id).map(c -> ConversationTurn.newBuilder()
                                    .setConversation(c.toBuilder().clearMessages()).addAllReplies(replies).build()));
                });
    }

    /** One turn, decided: what the customer said (as stored), the bot's move, and the article it answers with. */
    private record Turn(String said, Dialogue.Step step, Row article) {
    }

    private Uni<Turn> decide(SqlClient sql, Row conversation, SendMessageRequest request, UUID picked, SearchArticlesResponse found) {
        Dialogue.State state = restore(conversation.getJsonObject("dialogue"));
        Uni<Turn> turn;
        if (picked != null) {
            turn = article(sql, picked.toString()).map(article -> {
                if (article == null) {
                    throw new InvalidInput("article_id", "not an article of the knowledge base");
                }
                ArticleMatch match = ArticleMatch.newBuilder().setArticleId(picked.toString()).setTitle(article.getString("title")).build();
                return new Turn(request.getText().isBlank() ? article.getString("title") : request.getText(),
                        Dialogue.picked(state, match), article);
            });
        } else {
            Dialogue.Step step = Dialogue.next(state, request.getText(), found);
            turn = step.move() instanceof Dialogue.Answer answer
                    ? article(sql, answer.article().getArticleId()).map(article -> article != null ? new Turn(request.getText(), step, article)
                            // deleted since the index was built: nothing to answer with
                            : new Turn(request.getText(), Dialogue.handOver(state, Dialogue.Handover.NO_ANSWER), null))
                    : Uni.createFrom().item(new Turn(request.getText(), step, null));
        }
        return turn;
    }

    private static Uni<Row> article(SqlClient sql, String id) {
        return sql.preparedQuery("SELECT title, body FROM article WHERE id = $1::uuid").execute(Tuple.of(id))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next() : null);
    }

    private Uni<List<ChatMessage>> write(SqlClient sql, Row conversation, String clientMessageId, Turn turn) {
        UUID id = conversation.getUUID("id");
        String language = conversation.getString("language");
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String status = conversation.getString("status");
        String reason = conversation.getString("handover_reason");
        Move move = turn.step().move();
        if (move instanceof Dialogue.HandOver handOver) {
            status = Status.WAITING_FOR_AGENT.name();
            reason = handOver.reason().name();
        }
        String newStatus = status;
        String newReason = reason;
        return sql.preparedQuery("SELECT coalesce(max(seq), 0) AS last FROM chat_message WHERE conversation_id = $1").execute(Tuple.of(id))
                .flatMap(rows -> {
                    int seq = rows.iterator().next().getInteger("last") + 1;
                    return insert(sql, id, seq, clientMessageId, null, Author.CUSTOMER, turn.said(), null, List.of(), now)
                            .flatMap(v -> reply(sql, id, seq, language, turn, now))
                            .flatMap(v -> sql.preparedQuery("""
                                    UPDATE conversation SET dialogue = $2, status = $3, handover_reason = $4, update_time = $5 WHERE id = $1""")
                                    .execute(Tuple.from(Arrays.asList(id, store(turn.step().state()), newStatus, newReason, now))))
                            .flatMap(v -> replies(sql, id, seq));
                });
    }

    /** The bot's reply to the customer's message {@code seq}: nothing when a person holds the conversation. */
    private static Uni<Void> reply(SqlClient sql, UUID id, int seq, String language, Turn turn, OffsetDateTime now) {
        return switch (turn.step().move()) {
            case Dialogue.Answer answer -> insert(sql, id, seq + 1, null, seq, Author.BOT, BotLines.line(language, "answer") + "\n\n"
                    + turn.article().getString("title") + "\n" + turn.article().getString("body"), answer.article().getArticleId(), List.of(), now);
            case Dialogue.Offer offer -> insert(sql, id, seq + 1, null, seq, Author.BOT,
                    BotLines.line(language, offer.afterMiss() ? "offer_after_miss" : "offer"), null, offer.choices(), now);
            case Dialogue.Resolved resolved -> insert(sql, id, seq + 1, null, seq, Author.BOT, BotLines.line(language, "resolved"), null, List.of(), now);
            case Dialogue.HandOver handOver -> insert(sql, id, seq + 1, null, seq, Author.BOT,
                    BotLines.line(language, "handover." + handOver.reason().name()), null, List.of(), now);
            case Dialogue.Silent silent -> Uni.createFrom().voidItem();
        };
    }

    /** The replies to the customer's message {@code seq}, as the first answer to it gave them. */
    private static Uni<List<ChatMessage>> replies(SqlClient sql, UUID id, int seq) {
        return sql.preparedQuery("SELECT * FROM chat_message WHERE conversation_id = $1 AND reply_to = $2 ORDER BY seq")
                .execute(Tuple.of(id, seq))
                .map(rows -> {
                    List<ChatMessage> replies = new ArrayList<>();
                    rows.forEach(row -> replies.add(toMessage(row)));
                    return replies;
                });
    }

    public Uni<Conversation> get(UUID id) {
        return get(pool, id);
    }

    private Uni<Conversation> get(SqlClient sql, UUID id) {
        return sql.preparedQuery("SELECT * FROM conversation WHERE id = $1").execute(Tuple.of(id))
                .flatMap(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw new NotFound("conversation");
                    }
                    Conversation.Builder conversation = toConversation(rows.iterator().next()).toBuilder();
                    return sql.preparedQuery("SELECT * FROM chat_message WHERE conversation_id = $1 ORDER BY seq").execute(Tuple.of(id))
                            .map(messages -> {
                                messages.forEach(m -> conversation.addMessages(toMessage(m)));
                                return conversation.build();
                            });
                });
    }

    private static Uni<Void> insert(SqlClient sql, UUID conversation, int seq, String clientMessageId, Integer replyTo, Author author,
            String text, String articleId, List<ArticleMatch> choices, OffsetDateTime time) {
        JsonArray offered = new JsonArray();
        choices.forEach(c -> offered.add(new JsonObject().put("id", c.getArticleId()).put("title", c.getTitle()).put("score", c.getScore())));
        return sql.preparedQuery("""
                INSERT INTO chat_message (conversation_id, seq, id, client_message_id, reply_to, author, text, article_id, choices, time)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""")
                .execute(Tuple.from(Arrays.asList(conversation, seq, UUID.randomUUID(), clientMessageId, replyTo, author.name(), text,
                        articleId, choices.isEmpty() ? null : offered, time)))
                .replaceWithVoid();
    }

    private static Conversation toConversation(Row row) {
        Conversation.Builder c = Conversation.newBuilder()
                .setId(row.getUUID("id").toString())
                .setLanguage(row.getString("language"))
                .setStatus(Status.valueOf(row.getString("status")))
                .setStartTime(Envelopes.timestamp(row.getOffsetDateTime("start_time").toInstant()));
        if (row.getUUID("profile_id") != null) {
            c.setProfileId(row.getUUID("profile_id").toString());
        }
        if (row.getString("visitor_id") != null) {
            c.setVisitorId(row.getString("visitor_id"));
        }
        if (row.getString("handover_reason") != null) {
            c.setHandoverReason(HandoverReason.valueOf(row.getString("handover_reason")));
        }
        return c.build();
    }

    private static ChatMessage toMessage(Row row) {
        ChatMessage.Builder m = ChatMessage.newBuilder()
                .setId(row.getUUID("id").toString())
                .setAuthor(Author.valueOf(row.getString("author")))
                .setText(row.getString("text"))
                .setTime(Envelopes.timestamp(row.getOffsetDateTime("time").toInstant()));
        if (row.getString("article_id") != null) {
            m.setArticleId(row.getString("article_id"));
        }
        if (row.getValue("choices") instanceof JsonArray choices) {
            m.addAllChoices(matches(choices));
        }
        return m.build();
    }

    static JsonObject store(Dialogue.State state) {
        return new JsonObject()
                .put("botSpeaks", state.botSpeaks())
                .put("answered", new JsonArray(List.copyOf(state.answered())))
                .put("offered", json(state.offered()))
                .put("candidates", json(state.candidates()))
                .put("withoutProgress", state.withoutProgress());
    }

    static Dialogue.State restore(JsonObject json) {
        List<String> answered = new ArrayList<>();
        json.getJsonArray("answered").forEach(a -> answered.add((String) a));
        return new Dialogue.State(json.getBoolean("botSpeaks"), new LinkedHashSet<>(answered),
                matches(json.getJsonArray("offered")), matches(json.getJsonArray("candidates")), json.getInteger("withoutProgress"));
    }

    private static JsonArray json(List<ArticleMatch> matches) {
        JsonArray array = new JsonArray();
        matches.forEach(m -> array.add(new JsonObject().put("id", m.getArticleId()).put("title", m.getTitle()).put("score", m.getScore())));
        return array;
    }

    private static List<ArticleMatch> matches(JsonArray array) {
        List<ArticleMatch> matches = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonObject m = array.getJsonObject(i);
            matches.add(ArticleMatch.newBuilder().setArticleId(m.getString("id")).setTitle(m.getString("title"))
                    .setScore(m.getDouble("score", 0.0)).build());
        }
        return matches;
    }
}
