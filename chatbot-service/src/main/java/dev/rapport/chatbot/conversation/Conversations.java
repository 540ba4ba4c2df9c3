package dev.rapport.chatbot.conversation;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.rapport.chatbot.conversation.Dialogue.Move;
import dev.rapport.chatbot.knowledge.ArticleSearch;
import dev.rapport.chatbot.knowledge.KnowledgeBase;
import dev.rapport.chatbot.support.CustomerFacts;
import dev.rapport.chatbot.support.Staffing;
import dev.rapport.chatbot.support.Teams;
import dev.rapport.proto.chat.v1.ArticleMatch;
import dev.rapport.proto.chat.v1.ChatMessage;
import dev.rapport.proto.chat.v1.ChatMessage.Author;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.Conversation.HandoverReason;
import dev.rapport.proto.chat.v1.Conversation.Status;
import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.HandoffPacket;
import dev.rapport.proto.chat.v1.RateConversationRequest;
import dev.rapport.proto.chat.v1.SearchArticlesResponse;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.proto.chat.v1.Urgency;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
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
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Conversations.class);
    static final int MAX_TEXT = 2_000;
    /** Articles the search returns for a message: the answer, the choices and the alternatives after a miss. */
    private static final int CANDIDATES = 5;

    /** Ratings at or below this are a bad support experience (marketing holds back). */
    static final int BAD_RATING = 2;

    private final Pool pool;
    private final ArticleSearch search;
    private final ConversationEvents events;
    private final Duration abandonAfter;

    private final Staffing staffing;
    private final Teams teams;
    private final CustomerFacts facts;

    Conversations(Pool pool, ArticleSearch search, ConversationEvents events, Staffing staffing, Teams teams, CustomerFacts facts,
            @ConfigProperty(name = "rapport.conversations.abandon-after") Duration abandonAfter) {
        this.pool = pool;
        this.search = search;
        this.events = events;
        this.staffing = staffing;
        this.teams = teams;
        this.facts = facts;
        this.abandonAfter = abandonAfter;
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
                                .flatMap(v -> ConversationEvents.record(sql, id, ConversationEvent.Kind.STARTED, now, 0, false))
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
                .invoke(events::publishSoon)
                .call(conversationId -> profile == null ? Uni.createFrom().voidItem() : learnFacts(conversationId, profile))
                .flatMap(conversationId -> get(conversationId).map(c -> ConversationTurn.newBuilder()
                        .setConversation(c.toBuilder().clearMessages())
                        .addAllReplies(c.getMessagesList().stream().filter(m -> m.getAuthor() == Author.BOT).limit(1).toList())
                        .build()));
    }

    /**
     * What support may know of the signed-in customer (CustomerFacts), kept with the conversation for the handoff
     * packet and the routing; read once, when the chat starts. The greeting waits for it at most {@link #FACTS_WITHIN}:
     * without it (the other services away or slow) the chat goes on and routes by topic.
     */
    private Uni<Void> learnFacts(UUID conversation, UUID profile) {
        Uni<Void> learning = facts.of(profile)
                .flatMap(known -> pool.preparedQuery("UPDATE conversation SET facts = $2, segments = $3 WHERE id = $1 AND facts IS NULL")
                        .execute(Tuple.of(conversation, new JsonObject(new java.util.HashMap<>(known.attributes())),
                                known.segments().toArray(String[]::new))))
                .onFailure().invoke(failure -> LOG.debugf("no customer facts for a conversation: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid()
                .memoize().indefinitely();
        // slower than the greeting may wait: it goes on in the background, for a hand-over later in the chat
        learning.subscribe().with(done -> { }, failure -> { });
        return learning.ifNoItem().after(FACTS_WITHIN).recoverWithItem((Void) null);
    }

    private static final Duration FACTS_WITHIN = Duration.ofSeconds(2);

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
        return pool.preparedQuery("SELECT language, status, offline FROM conversation WHERE id = $1").execute(Tuple.of(id))
                .flatMap(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw new NotFound("conversation");
                    }
                    // nothing to search for a pick, or while a person holds the conversation or is awaited (the bot is
                    // silent), unless nobody can answer now (the bot keeps helping)
                    String status = rows.iterator().next().getString("status");
                    boolean offline = rows.iterator().next().getBoolean("offline");
                    if (picked || Status.WITH_AGENT.name().equals(status) || Status.WAITING_FOR_AGENT.name().equals(status) && !offline) {
                        return Uni.createFrom().item(SearchArticlesResponse.getDefaultInstance());
                    }
                    String language = rows.iterator().next().getString("language");
                    String text = request.getText().length() > ArticleSearch.MAX_TEXT
                            ? request.getText().substring(0, ArticleSearch.MAX_TEXT) : request.getText();
                    return search.search(text, language, false, CANDIDATES);
                })
                .flatMap(found -> pool.withTransaction(sql -> turn(sql, id, request, article, found)))
                .invoke(events::publishSoon);
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

    /**
     * One turn, decided: what the customer said (as stored), the bot's move, the article it answers with, a way to
     * reach them (a ticket's contact), or their answer to the question the bot asked before queueing them.
     */
    private record Turn(String said, Dialogue.Step step, Row article, String contact, String answers) {
        Turn(String said, Dialogue.Step step, Row article) {
            this(said, step, article, null, null);
        }
    }

    private Uni<Turn> decide(SqlClient sql, Row conversation, SendMessageRequest request, UUID picked, SearchArticlesResponse found) {
        Dialogue.State state = restore(conversation.getJsonObject("dialogue"));
        Status status = Status.valueOf(conversation.getString("status"));
        if (status == Status.RESOLVED || status == Status.ABANDONED) {
            // the customer is back after the end: a new question, for the bot again
            state = new Dialogue.State(true, state.answered(), List.of(), List.of(), 0);
        }
        String asking = status == Status.WAITING_FOR_AGENT ? conversation.getString("asking") : null;
        String contact = asking == null && conversation.getBoolean("offline") && status == Status.WAITING_FOR_AGENT
                ? Staffing.contact(request.getText()) : null;
        Uni<Turn> turn;
        if (asking != null && picked == null) {
            // the answer to what the bot asked before queueing them (whatever it is: the bot asks once, then moves on)
            turn = Uni.createFrom().item(new Turn(request.getText(), new Dialogue.Step(new Dialogue.Silent(), state), null, null, asking));
        } else if (contact != null) {
            // a way to reach them about their ticket: taken, not searched
            Dialogue.State now = state;
            turn = Uni.createFrom().item(new Turn(request.getText(), new Dialogue.Step(new Dialogue.Silent(), now), null, contact, null));
        } else if (picked != null) {
            Dialogue.State now = state;
            turn = article(sql, picked.toString()).map(article -> {
                if (article == null) {
                    throw new InvalidInput("article_id", "not an article of the knowledge base");
                }
                ArticleMatch match = ArticleMatch.newBuilder().setArticleId(picked.toString()).setTitle(article.getString("title")).build();
                return new Turn(request.getText().isBlank() ? article.getString("title") : request.getText(),
                        Dialogue.picked(now, match), article);
            });
        } else {
            Dialogue.State now = state;
            Dialogue.Step step = Dialogue.next(now, request.getText(), found);
            turn = step.move() instanceof Dialogue.Answer answer
                    ? article(sql, answer.article().getArticleId()).map(article -> article != null ? new Turn(request.getText(), step, article)
                            // deleted since the index was built: nothing to answer with
                            : new Turn(request.getText(), Dialogue.handOver(now, Dialogue.Handover.NO_ANSWER), null))
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
        Move move = turn.step().move();
        Status status = Status.valueOf(conversation.getString("status"));
        // a ticket waits for the team whatever the customer says to the bot meanwhile: it keeps its place
        boolean ticket = conversation.getBoolean("offline") && status == Status.WAITING_FOR_AGENT && conversation.getString("asking") == null;
        boolean handingOver = move instanceof Dialogue.HandOver && !ticket;
        return (handingOver ? topicTried(sql, id) : Uni.createFrom().item((String) null))
                .flatMap(tried -> write(sql, conversation, clientMessageId, turn, ticket, handingOver, tried));
    }

    private Uni<List<ChatMessage>> write(SqlClient sql, Row conversation, String clientMessageId, Turn turn, boolean ticket,
            boolean handingOver, String topicTried) {
        UUID id = conversation.getUUID("id");
        String language = conversation.getString("language");
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        Status status = Status.valueOf(conversation.getString("status"));
        String reason = conversation.getString("handover_reason");
        String resolvedBy = conversation.getString("resolved_by");
        Move move = turn.step().move();
        Uni<Void> event = Uni.createFrom().voidItem();
        OffsetDateTime handedOver = conversation.getOffsetDateTime("handed_over_time");
        boolean offline = conversation.getBoolean("offline");
        Dialogue.State state = turn.step().state();
        String agent = conversation.getString("agent");
        boolean reopened = false;
        Queue queue = Queue.of(conversation, teams.planAttribute());
        // what the bot says after its reply: the next question before queueing, or the place in the queue / the hours
        boolean placeNow = false;
        if (turn.answers() != null) {
            queue = queue.answered(turn.answers(), answer(turn.answers(), turn.said(), language), teams);
            placeNow = queue.asking() == null;
        } else if (ticket && (move instanceof Dialogue.HandOver || move instanceof Dialogue.Resolved)) {
            state = new Dialogue.State(true, state.answered(), List.of(), List.of(), 0);
            placeNow = move instanceof Dialogue.HandOver; // asked again: told again where they stand (the team may be open now)
        } else if (move instanceof Dialogue.HandOver handOver) {
            status = Status.WAITING_FOR_AGENT;
            reason = handOver.reason().name();
            handedOver = now;
            // a frustrated customer is not questioned further: they are urgent, and the topic is what the bot tried
            queue = queue.handedOver(topicTried, handOver.reason() == Dialogue.Handover.FRUSTRATED, teams);
            placeNow = queue.asking() == null;
            // a frustrated customer is a bad experience already, whatever comes next
            event = ConversationEvents.record(sql, id, ConversationEvent.Kind.HANDED_OVER, now, 0,
                    handOver.reason() == Dialogue.Handover.FRUSTRATED);
        } else if (move instanceof Dialogue.Resolved) {
            status = Status.RESOLVED;
            resolvedBy = Conversation.Resolver.BY_BOT.name();
            event = ConversationEvents.record(sql, id, ConversationEvent.Kind.RESOLVED, now, 0, false);
        } else if (status == Status.RESOLVED || status == Status.ABANDONED) {
            // the customer is back with a new question: the bot takes it (decide gave it the word back), and the
            // next hand-over starts afresh (no notes or contact about the earlier problem)
            status = Status.WITH_BOT;
            resolvedBy = null;
            agent = null;
            reopened = true;
        }
        Teams.Team team = teams.of(queue.team());
        if (ticket && move instanceof Dialogue.HandOver && staffing.open(team, now)) {
            // the team is open now: no longer a ticket, the customer waits for a person and the bot falls silent
            offline = false;
            state = new Dialogue.State(false, state.answered(), List.of(), List.of(), state.withoutProgress());
        } else if ((handingOver || turn.answers() != null) && !ticket) {
            offline = !staffing.open(team, now);
            if (offline && queue.asking() == null) {
                // nobody to hand over to now: the bot says so and keeps helping
                state = new Dialogue.State(true, state.answered(), List.of(), List.of(), 0);
            } else if (turn.answers() != null) {
                state = new Dialogue.State(false, state.answered(), List.of(), List.of(), state.withoutProgress());
            }
        }
        Uni<Void> happened = event;
        boolean nobodyNow = offline;
        boolean place = placeNow;
        Queue queued = queue;
        List<Object> update = Arrays.asList(id, store(state), status.name(), reason, now, resolvedBy, handedOver, offline,
                turn.contact() != null ? turn.contact() : reopened ? null : conversation.getString("contact"), agent,
                queue.team(), queue.routedBy(), queue.topic(), queue.urgency(), queue.asking(), reopened);
        OffsetDateTime since = handedOver;
        return sql.preparedQuery("SELECT coalesce(max(seq), 0) AS last FROM chat_message WHERE conversation_id = $1").execute(Tuple.of(id))
                .flatMap(rows -> {
                    int seq = rows.iterator().next().getInteger("last") + 1;
                    int after = move instanceof Dialogue.Silent ? seq + 1 : seq + 2;
                    return insert(sql, id, seq, clientMessageId, null, Author.CUSTOMER, turn.said(), null, List.of(), now)
                            .flatMap(v -> reply(sql, id, seq, language, turn, now))
                            .flatMap(v -> queued.asking() != null && (handingOver || turn.answers() != null)
                                    ? ask(sql, id, after, seq, language, queued.asking(), now)
                                    : place ? afterHandover(sql, id, after, seq, language, nobodyNow, team, since,
                                            "HIGH".equals(queued.urgency()), now)
                                    : turn.contact() != null ? insert(sql, id, after, null, seq, Author.BOT,
                                            BotLines.line(language, "ticket", turn.contact()), null, List.of(), now)
                                    : Uni.createFrom().voidItem())
                            .flatMap(v -> sql.preparedQuery("""
                                    UPDATE conversation SET dialogue = $2, status = $3, handover_reason = $4, update_time = $5, resolved_by = $6,
                                      handed_over_time = $7, offline = $8, contact = $9, agent = $10, team = $11, routed_by = $12,
                                      topic = $13, urgency = $14, asking = $15,
                                      transfer_notes = CASE WHEN $16 THEN '{}' ELSE transfer_notes END
                                    WHERE id = $1""").execute(Tuple.from(update)))
                            .flatMap(v -> happened)
                            .flatMap(v -> ConversationWatch.changed(sql, id))
                            .flatMap(v -> replies(sql, id, seq));
                });
    }

    /**
     * Where a handed-over conversation stands on its way to a team: what it is about, how urgent, which question the
     * bot still asks before queueing (topic, then urgency; none once answered), and the team routing chose.
     */
    record Queue(String topic, String urgency, String asking, String team, String routedBy, String plan, List<String> segments) {
        static Queue of(Row row, String planAttribute) {
            JsonObject facts = row.getJsonObject("facts");
            String[] segments = row.getArrayOfStrings("segments");
            return new Queue(row.getString("topic"), row.getString("urgency"), row.getString("asking"), row.getString("team"),
                    row.getString("routed_by"), facts == null ? null : facts.getString(planAttribute),
                    segments == null ? List.of() : List.of(segments));
        }

        Queue handedOver(String topicTried, boolean urgent, Teams teams) {
            return new Queue(topicTried, urgent ? "HIGH" : null, null, team, routedBy, plan, segments).next(teams, urgent);
        }

        Queue answered(String question, String answer, Teams teams) {
            Queue answered = question.equals("topic") ? new Queue(answer, urgency, null, team, routedBy, plan, segments)
                    : new Queue(topic, answer, null, team, routedBy, plan, segments);
            return answered.next(teams, false);
        }

        /** Routed with what is known now, and the next question (a frustrated customer is asked nothing). */
        private Queue next(Teams teams, boolean askNothing) {
            Teams.Route route = teams.route(OTHER.equals(topic) ? null : topic, plan, segments);
            String question = null;
            if (!askNothing) {
                // who the customer is may decide the team already (plan, segment): then the topic need not be asked
                boolean byWhoTheyAre = route.by() == Teams.RoutedBy.PLAN || route.by() == Teams.RoutedBy.SEGMENT;
                if (topic == null && !byWhoTheyAre && !teams.pickableTopics().isEmpty()) {
                    question = "topic";
                } else if (urgency == null) {
                    question = "urgency";
                }
            }
            return new Queue(topic, urgency, question, route.team().name(), route.by().name(), plan, segments);
        }
    }

    /** The urgencies the bot offers, most urgent first (Urgency values). */
    private static final List<String> URGENCIES = List.of("HIGH", "NORMAL", "LOW");

    /** The topic a customer picks when none of the offered ones fits. */
    static final String OTHER = "other";

    /** What the customer's answer to the bot's question means: a topic (or "other"), or an urgency (NORMAL unless picked). */
    private String answer(String question, String said, String language) {
        String text = said.strip();
        if (question.equals("topic")) {
            return teams.pickableTopics().stream()
                    .filter(t -> text.equalsIgnoreCase(BotLines.topic(language, t)) || text.equalsIgnoreCase(t))
                    .findFirst().orElse(OTHER);
        }
        return URGENCIES.stream()
                .filter(u -> text.equalsIgnoreCase(BotLines.line(language, "urgency." + u)) || text.equalsIgnoreCase(u))
                .findFirst().orElse("NORMAL");
    }

    /** The bot's question before queueing, with its answers as quick replies. */
    private Uni<Void> ask(SqlClient sql, UUID id, int seq, int replyTo, String language, String question, OffsetDateTime now) {
        List<String> replies = question.equals("topic")
                ? java.util.stream.Stream.concat(teams.pickableTopics().stream().map(t -> BotLines.topic(language, t)),
                        java.util.stream.Stream.of(BotLines.topic(language, OTHER))).toList()
                : URGENCIES.stream().map(u -> BotLines.line(language, "urgency." + u)).toList();
        return insert(sql, id, seq, null, replyTo, Author.BOT, BotLines.line(language, "ask_" + question), null, List.of(), replies, now);
    }

    /** What the articles the bot answered with or offered (the newest first) are about, if any says. */
    private static Uni<String> topicTried(SqlClient sql, UUID id) {
        return sql.preparedQuery("""
                        SELECT a.topic FROM chat_message m
                        LEFT JOIN LATERAL jsonb_array_elements(coalesce(m.choices, '[]'::jsonb)) WITH ORDINALITY AS c(choice, n) ON true
                        JOIN article a ON a.id = coalesce(m.article_id, c.choice ->> 'id')::uuid
                        WHERE m.conversation_id = $1 AND m.author = 'BOT' AND a.topic IS NOT NULL
                        ORDER BY m.seq DESC, c.n LIMIT 1""")
                .execute(Tuple.of(id))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next().getString("topic") : null);
    }

    /**
     * The customer's rating and comment. A rating of {@link #BAD_RATING} or less is a bad support experience, which
     * campaign-service honours by holding marketing back.
     */
    public Uni<Conversation> rate(RateConversationRequest request) {
        UUID id = Ids.uuid("conversation_id", request.getConversationId(), "a conversation id");
        List<Violation> violations = new ArrayList<>();
        if (request.getSatisfaction() < 1 || request.getSatisfaction() > 5) {
            violations.add(new Violation("satisfaction", "from 1 (very unhappy) to 5 (very happy)"));
        }
        if (request.getComment().length() > MAX_TEXT || InvalidInput.hasNul(request.getComment())) {
            violations.add(new Violation("comment", "at most " + MAX_TEXT + " characters"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        String comment = request.getComment().isEmpty() ? null : request.getComment();
        return pool.withTransaction(sql -> sql.preparedQuery("SELECT status, satisfaction, satisfaction_comment FROM conversation WHERE id = $1 FOR UPDATE")
                        .execute(Tuple.of(id))
                        .flatMap(rows -> {
                            if (!rows.iterator().hasNext()) {
                                throw new NotFound("conversation");
                            }
                            Row row = rows.iterator().next();
                            Status status = Status.valueOf(row.getString("status"));
                            if (status != Status.RESOLVED && status != Status.ABANDONED) {
                                throw io.grpc.Status.FAILED_PRECONDITION.withDescription("a conversation is rated once it has ended")
                                        .asRuntimeException();
                            }
                            if (java.util.Objects.equals(row.getInteger("satisfaction"), request.getSatisfaction())
                                    && java.util.Objects.equals(row.getString("satisfaction_comment"), comment)) {
                                return Uni.createFrom().voidItem(); // the same rating again: nothing happened
                            }
                            return sql.preparedQuery("UPDATE conversation SET satisfaction = $2, satisfaction_comment = $3 WHERE id = $1")
                                    .execute(Tuple.of(id, request.getSatisfaction(), comment))
                                    .flatMap(v -> ConversationEvents.record(sql, id, ConversationEvent.Kind.RATED, now,
                                            request.getSatisfaction(), request.getSatisfaction() <= BAD_RATING));
                        }))
                .invoke(events::publishSoon)
                .flatMap(v -> get(id));
    }

    /**
     * Conversations with the bot nobody wrote in for {@code rapport.conversations.abandon-after} are abandoned (opened
     * and never used: without an event). One waiting for a person stays in the queue however quiet the customer is
     * (the bot told them to wait): the agent who takes it resolves it.
     */
    @Scheduled(every = "1m", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> abandonIdle() {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return pool.preparedQuery("""
                        WITH idle AS (
                          SELECT c.id, c.status,
                                 EXISTS (SELECT 1 FROM chat_message m WHERE m.conversation_id = c.id AND m.author = 'CUSTOMER') AS talked
                          FROM conversation c
                          -- with the bot, or gone while the bot was still asking what it is about before queueing them
                          WHERE (c.status = 'WITH_BOT' OR c.status = 'WAITING_FOR_AGENT' AND c.asking IS NOT NULL) AND c.update_time < $1
                          ORDER BY c.update_time LIMIT 500 FOR UPDATE SKIP LOCKED),
                        gone AS (
                          UPDATE conversation c SET status = 'ABANDONED', update_time = $2 FROM idle WHERE c.id = idle.id
                          -- watchers (the customer's widget) learn it too
                          RETURNING c.id, idle.talked, pg_notify('rapport_chat', c.id::text))
                        INSERT INTO conversation_event (id, conversation_id, kind, event_time, bad_experience)
                        SELECT gen_random_uuid(), id, 'ABANDONED', $2, false FROM gone WHERE talked""")
                .execute(Tuple.of(now.minus(abandonAfter), now))
                .invoke(rows -> {
                    if (rows.rowCount() > 0) {
                        events.publishSoon();
                    }
                })
                // published events are on the topic: the outbox keeps a week of them, for whoever investigates
                .call(() -> pool.preparedQuery("DELETE FROM conversation_event WHERE published AND event_time < $1")
                        .execute(Tuple.of(now.minusDays(7))))
                .replaceWithVoid();
    }

    /**
     * What the customer learns once queued: their place in their team's queue and the wait, or, when nobody of the team
     * can answer now, its opening hours and that a way to reach them makes a ticket.
     */
    private Uni<Void> afterHandover(SqlClient sql, UUID id, int seq, int replyTo, String language, boolean offline, Teams.Team team,
            OffsetDateTime since, boolean urgent, OffsetDateTime now) {
        if (offline) {
            return insert(sql, id, seq, null, replyTo, Author.BOT, BotLines.line(language, "offline", staffing.hours(team)), null, List.of(), now);
        }
        return staffing.place(sql, team, id, since, urgent).flatMap(place -> insert(sql, id, seq, null, replyTo, Author.BOT,
                BotLines.line(language, "queue", place.position(), place.minutes()), null, List.of(), now));
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

    /**
     * Erases a person's conversations — under their profile, or under the visitor ids they chatted as (signed in
     * before they had a profile): their messages, ratings and events not yet published go with them (one transaction),
     * and whoever watches one learns at once that it is gone. Returns how many conversations there were.
     */
    public Uni<Integer> erase(UUID[] profiles, List<String> visitors) {
        return pool.withTransaction(sql -> sql.preparedQuery("""
                        DELETE FROM conversation WHERE profile_id = ANY($1) OR visitor_id = ANY($2)
                        RETURNING pg_notify('rapport_chat', id::text)""")
                .execute(Tuple.of(profiles, visitors.toArray(String[]::new)))
                .map(deleted -> deleted.rowCount()));
    }

    /** A person's conversations (under their profiles, or the visitor ids they chatted as) with every message, oldest first. */
    public Multi<Conversation> export(UUID[] profiles, List<String> visitors) {
        return pool.preparedQuery("SELECT id FROM conversation WHERE profile_id = ANY($1) OR visitor_id = ANY($2) ORDER BY start_time")
                .execute(Tuple.of(profiles, visitors.toArray(String[]::new)))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> get(pool, row.getUUID("id")));
    }

    /**
     * What is still held of a person's conversations (as {@link #erase} finds them), table -> rows, only tables holding
     * some; a rating is part of its conversation's row. Changes nothing.
     */
    public Uni<Map<String, Long>> held(UUID[] profiles, List<String> visitors) {
        return pool.preparedQuery("""
                        WITH theirs AS (SELECT id FROM conversation WHERE profile_id = ANY($1) OR visitor_id = ANY($2))
                        SELECT 'conversation' AS held, count(*) AS n FROM theirs
                        UNION ALL SELECT 'chat_message', count(*) FROM chat_message WHERE conversation_id IN (SELECT id FROM theirs)
                        UNION ALL SELECT 'conversation_event', count(*) FROM conversation_event WHERE conversation_id IN (SELECT id FROM theirs)""")
                .execute(Tuple.of(profiles, visitors.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Long> held = new LinkedHashMap<>();
                    rows.forEach(row -> {
                        if (row.getLong("n") > 0) {
                            held.put(row.getString("held"), row.getLong("n"));
                        }
                    });
                    return held;
                });
    }

    static Uni<Conversation> get(SqlClient sql, UUID id) {
        return sql.preparedQuery("SELECT * FROM conversation WHERE id = $1").execute(Tuple.of(id))
                .flatMap(rows -> {
                    if (!rows.iterator().hasNext()) {
                        throw new NotFound("conversation");
                    }
                    Conversation.Builder conversation = toConversation(rows.iterator().next()).toBuilder();
                    return sql.preparedQuery("""
                            SELECT m.*, a.title AS article_title FROM chat_message m LEFT JOIN article a ON a.id = m.article_id::uuid
                            WHERE m.conversation_id = $1 ORDER BY m.seq""").execute(Tuple.of(id))
                            .map(messages -> {
                                Row row = rows.iterator().next();
                                HandoffPacket.Builder handoff = HandoffPacket.newBuilder()
                                        .setReason(conversation.getHandoverReason()).setSignedIn(!conversation.getProfileId().isEmpty())
                                        .setOffline(row.getBoolean("offline"))
                                        .setContact(row.getString("contact") == null ? "" : row.getString("contact"))
                                        .setTeam(Objects.toString(row.getString("team"), ""))
                                        .setRoutedBy(Objects.toString(row.getString("routed_by"), ""))
                                        .setTopic(Objects.toString(row.getString("topic"), ""))
                                        .setUrgency(row.getString("urgency") == null ? Urgency.URGENCY_UNSPECIFIED
                                                : Urgency.valueOf(row.getString("urgency")))
                                        .addAllTransferNotes(List.of(row.getArrayOfStrings("transfer_notes")));
                                if (row.getJsonObject("facts") != null) {
                                    row.getJsonObject("facts").forEach(fact -> handoff.putCustomerFacts(fact.getKey(), String.valueOf(fact.getValue())));
                                }
                                messages.forEach(m -> {
                                    ChatMessage message = toMessage(m);
                                    conversation.addMessages(message);
                                    if (message.getAuthor() == Author.CUSTOMER) {
                                        handoff.addCustomerSaid(message.getText());
                                    } else if (message.getAuthor() == Author.BOT && !message.getArticleId().isEmpty()) {
                                        handoff.addBotTried(ArticleMatch.newBuilder().setArticleId(message.getArticleId())
                                                .setTitle(m.getString("article_title") == null ? "" : m.getString("article_title")));
                                    } else if (message.getAuthor() == Author.BOT) {
                                        handoff.addAllBotTried(message.getChoicesList());
                                    }
                                });
                                if (conversation.getHandoverReason() != HandoverReason.HANDOVER_REASON_UNSPECIFIED) {
                                    conversation.setHandoff(handoff);
                                }
                                return conversation.build();
                            });
                });
    }

    static Uni<Void> insert(SqlClient sql, UUID conversation, int seq, String clientMessageId, Integer replyTo, Author author,
            String text, String articleId, List<ArticleMatch> choices, OffsetDateTime time) {
        return insert(sql, conversation, seq, clientMessageId, replyTo, author, text, articleId, choices, List.of(), time);
    }

    static Uni<Void> insert(SqlClient sql, UUID conversation, int seq, String clientMessageId, Integer replyTo, Author author,
            String text, String articleId, List<ArticleMatch> choices, List<String> quickReplies, OffsetDateTime time) {
        JsonArray offered = new JsonArray();
        choices.forEach(c -> offered.add(new JsonObject().put("id", c.getArticleId()).put("title", c.getTitle()).put("score", c.getScore())));
        return sql.preparedQuery("""
                INSERT INTO chat_message (conversation_id, seq, id, client_message_id, reply_to, author, text, article_id, choices, time,
                                          quick_replies)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)""")
                .execute(Tuple.from(Arrays.asList(conversation, seq, UUID.randomUUID(), clientMessageId, replyTo, author.name(), text,
                        articleId, choices.isEmpty() ? null : offered, time, quickReplies.isEmpty() ? null : quickReplies.toArray(String[]::new))))
                .replaceWithVoid();
    }

    static Conversation toConversation(Row row) {
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
        if (row.getString("resolved_by") != null) {
            c.setResolvedBy(Conversation.Resolver.valueOf(row.getString("resolved_by")));
        }
        if (row.getString("agent") != null) {
            c.setAgent(row.getString("agent"));
        }
        if (row.getInteger("satisfaction") != null) {
            c.setSatisfaction(row.getInteger("satisfaction"));
        }
        if (row.getString("satisfaction_comment") != null) {
            c.setSatisfactionComment(row.getString("satisfaction_comment"));
        }
        return c.build();
    }

    static ChatMessage toMessage(Row row) {
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
        if (row.getArrayOfStrings("quick_replies") != null) {
            m.addAllQuickReplies(List.of(row.getArrayOfStrings("quick_replies")));
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
