package dev.rapport.chatbot.conversation;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.chatbot.support.Staffing;
import dev.rapport.chatbot.support.Teams;
import dev.rapport.proto.chat.v1.AcceptConversationRequest;
import dev.rapport.proto.chat.v1.ChatMessage;
import dev.rapport.proto.chat.v1.ChatMessage.Author;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.Conversation.Status;
import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.proto.chat.v1.ListWaitingRequest;
import dev.rapport.proto.chat.v1.ListTeamsResponse;
import dev.rapport.proto.chat.v1.ListWaitingResponse;
import dev.rapport.proto.chat.v1.Team;
import dev.rapport.proto.chat.v1.TransferConversationRequest;
import dev.rapport.proto.chat.v1.ResolveConversationRequest;
import dev.rapport.proto.chat.v1.SendAgentMessageRequest;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import io.grpc.Status.Code;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The people behind the bot: the queue of conversations waiting for one (each with its handoff packet), taking one
 * over (the bot falls silent), answering, resolving. Only the agent who holds a conversation writes in it.
 */
@ApplicationScoped
public class AgentDesk {
    private static final int MAX_WAITING = 100;

    private static final int MAX_NOTE = 500;

    private final Pool pool;
    private final ConversationEvents events;
    private final Teams teams;
    private final Staffing staffing;

    AgentDesk(Pool pool, ConversationEvents events, Teams teams, Staffing staffing) {
        this.pool = pool;
        this.events = events;
        this.teams = teams;
        this.staffing = staffing;
    }

    public Uni<ListWaitingResponse> waiting(ListWaitingRequest request) {
        if (request.getLimit() < 0 || request.getLimit() > MAX_WAITING) {
            throw new InvalidInput("limit", "from 1 to " + MAX_WAITING + " (0 means 50)");
        }
        for (int i = 0; i < request.getTeamsCount(); i++) {
            if (teams.named(request.getTeams(i)).isEmpty()) {
                throw new InvalidInput("teams[" + i + "]", "not a team: " + teamNames());
            }
        }
        int limit = request.getLimit() == 0 ? 50 : request.getLimit();
        return pool.preparedQuery("""
                        SELECT id FROM conversation
                        -- waiting for a person, not still answering what the bot asks before queueing them
                        WHERE status = 'WAITING_FOR_AGENT' AND asking IS NULL
                          AND (cardinality($2::text[]) = 0 OR CASE WHEN team = ANY($4) THEN team ELSE $3 END = ANY($2))
                        ORDER BY coalesce(urgency = 'HIGH', false) DESC, handed_over_time LIMIT $1""")
                .execute(Tuple.of(limit, request.getTeamsList().toArray(String[]::new), teams.of(null).name(), teams.names()))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate((Row row) -> Conversations.get(pool, row.getUUID("id")))
                .map(c -> c.toBuilder().clearMessages().build())
                .collect().asList()
                .map(list -> ListWaitingResponse.newBuilder().addAllConversations(list).build());
    }

    public Uni<Conversation> accept(AcceptConversationRequest request) {
        UUID id = Ids.uuid("conversation_id", request.getConversationId(), "a conversation id");
        String agent = agent(request.getAgent());
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return pool.withTransaction(sql -> locked(sql, id).flatMap(conversation -> {
                    Status status = Status.valueOf(conversation.getString("status"));
                    if (status == Status.WITH_AGENT && agent.equals(conversation.getString("agent"))) {
                        return Uni.createFrom().voidItem(); // accepted twice: nothing changes
                    }
                    if (status == Status.WITH_AGENT) {
                        throw failedPrecondition("another agent holds the conversation");
                    }
                    if (status != Status.WAITING_FOR_AGENT) {
                        throw failedPrecondition("only a conversation waiting for a person is taken over");
                    }
                    Dialogue.State silent = Dialogue.handOver(Conversations.restore(conversation.getJsonObject("dialogue")),
                            Dialogue.Handover.ASKED_FOR_PERSON).state();
                    return sql.preparedQuery("""
                                    UPDATE conversation SET status = 'WITH_AGENT', agent = $2, dialogue = $3, update_time = $4, asking = NULL
                                    WHERE id = $1""")
                            .execute(Tuple.of(id, agent, Conversations.store(silent), now))
                            .flatMap(v -> next(sql, id))
                            .flatMap(seq -> Conversations.insert(sql, id, seq, null, null, Author.BOT,
                                    BotLines.line(conversation.getString("language"), "agent_joined"), null, List.of(), now))
                            .flatMap(v -> ConversationWatch.changed(sql, id));
                }))
                .flatMap(v -> Conversations.get(pool, id));
    }

    /** Every team, whether it answers now, and how many wait in its queue. */
    public Uni<ListTeamsResponse> teams() {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return pool.preparedQuery("""
                        SELECT CASE WHEN team = ANY($2) THEN team ELSE $1 END AS team, count(*) AS waiting FROM conversation
                        WHERE status = 'WAITING_FOR_AGENT' AND asking IS NULL GROUP BY 1""")
                .execute(Tuple.of(teams.of(null).name(), teams.names()))
                .map(rows -> {
                    Map<String, Long> waiting = new HashMap<>();
                    rows.forEach(row -> waiting.put(row.getString("team"), row.getLong("waiting")));
                    ListTeamsResponse.Builder response = ListTeamsResponse.newBuilder();
                    teams.all().forEach(t -> response.addTeams(Team.newBuilder().setName(t.name()).addAllTopics(t.topics())
                            .setHours(staffing.hours(t)).setOpenNow(staffing.open(t, now))
                            .setWaiting(waiting.getOrDefault(t.name(), 0L).intValue())));
                    return response.build();
                });
    }

    /**
     * The agent who holds the conversation passes it to another team, with a note: it waits in that team's queue where
     * it stood (its hand-over time), the customer is told, and when that team is closed the bot keeps helping meanwhile.
     */
    public Uni<Conversation> transfer(TransferConversationRequest request) {
        UUID id = Ids.uuid("conversation_id", request.getConversationId(), "a conversation id");
        String agent = agent(request.getAgent());
        List<Violation> violations = new ArrayList<>();
        if (teams.named(request.getTeam()).isEmpty()) {
            violations.add(new Violation("team", "one of " + teamNames()));
        }
        if (request.getNote().length() > MAX_NOTE || InvalidInput.hasNul(request.getNote())) {
            violations.add(new Violation("note", "at most " + MAX_NOTE + " characters"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        Teams.Team team = teams.of(request.getTeam());
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        boolean closed = !staffing.open(team, now);
        return pool.withTransaction(sql -> locked(sql, id).flatMap(conversation -> {
                    holds(conversation, agent);
                    String language = conversation.getString("language");
                    Dialogue.State state = Conversations.restore(conversation.getJsonObject("dialogue"));
                    // nobody of that team answers now: the bot keeps helping, as with any hand-over outside hours
                    Dialogue.State next = new Dialogue.State(closed, state.answered(), List.of(), List.of(), state.withoutProgress());
                    return sql.preparedQuery("""
                                    UPDATE conversation SET status = 'WAITING_FOR_AGENT', agent = NULL, team = $2, routed_by = 'TRANSFER',
                                      transfer_notes = CASE WHEN $3 = '' THEN transfer_notes ELSE array_append(transfer_notes, $3) END,
                                      offline = $4, dialogue = $5, update_time = $6
                                    WHERE id = $1""")
                            .execute(Tuple.from(List.of(id, team.name(), request.getNote().strip(), closed, Conversations.store(next), now)))
                            .flatMap(v -> next(sql, id))
                            .flatMap(seq -> Conversations.insert(sql, id, seq, null, null, Author.BOT,
                                            BotLines.line(language, "transferred", BotLines.topic(language, team.name())), null, List.of(), now)
                                    .flatMap(v -> closed ? Conversations.insert(sql, id, seq + 1, null, null, Author.BOT,
                                            BotLines.line(language, "offline", staffing.hours(team)), null, List.of(), now)
                                            : Uni.createFrom().voidItem()))
                            .flatMap(v -> ConversationWatch.changed(sql, id));
                }))
                .flatMap(v -> Conversations.get(pool, id));
    }

    private String teamNames() {
        return String.join(", ", teams.all().stream().map(Teams.Team::name).toList());
    }

    public Uni<ChatMessage> send(SendAgentMessageRequest request) {
        UUID id = Ids.uuid("conversation_id", request.getConversationId(), "a conversation id");
        String agent = agent(request.getAgent());
        List<Violation> violations = new ArrayList<>();
        if (request.getMessageId().isBlank() || request.getMessageId().length() > 128 || InvalidInput.hasNul(request.getMessageId())) {
            violations.add(new Violation("message_id", "required, at most 128 characters"));
        }
        if (request.getText().isBlank() || request.getText().length() > Conversations.MAX_TEXT || InvalidInput.hasNul(request.getText())) {
            violations.add(new Violation("text", "required, at most " + Conversations.MAX_TEXT + " characters"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        // the customer's and the agent's message ids live side by side in the conversation
        String clientId = "agent:" + request.getMessageId();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return pool.withTransaction(sql -> locked(sql, id).flatMap(conversation -> {
                    holds(conversation, agent);
                    return sql.preparedQuery("SELECT * FROM chat_message WHERE conversation_id = $1 AND client_message_id = $2")
                            .execute(Tuple.of(id, clientId))
                            .flatMap(seen -> seen.iterator().hasNext()
                                    ? Uni.createFrom().item(Conversations.toMessage(seen.iterator().next()))
                                    : next(sql, id).flatMap(seq -> Conversations.insert(sql, id, seq, clientId, null, Author.AGENT,
                                                    request.getText(), null, List.of(), now)
                                            .flatMap(v -> sql.preparedQuery("UPDATE conversation SET update_time = $2 WHERE id = $1")
                                                    .execute(Tuple.of(id, now)))
                                            .flatMap(v -> ConversationWatch.changed(sql, id))
                                            .flatMap(v -> sql.preparedQuery("SELECT * FROM chat_message WHERE conversation_id = $1 AND seq = $2")
                                                    .execute(Tuple.of(id, seq)))
                                            .map(rows -> Conversations.toMessage(rows.iterator().next()))));
                }));
    }

    public Uni<Conversation> resolve(ResolveConversationRequest request) {
        UUID id = Ids.uuid("conversation_id", request.getConversationId(), "a conversation id");
        String agent = agent(request.getAgent());
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return pool.withTransaction(sql -> locked(sql, id).flatMap(conversation -> {
                    if (Status.RESOLVED.name().equals(conversation.getString("status")) && agent.equals(conversation.getString("agent"))) {
                        return Uni.createFrom().voidItem(); // resolved twice: nothing changes
                    }
                    holds(conversation, agent);
                    return sql.preparedQuery("""
                                    UPDATE conversation SET status = 'RESOLVED', resolved_by = 'BY_AGENT', update_time = $2 WHERE id = $1""")
                            .execute(Tuple.of(id, now))
                            .flatMap(v -> next(sql, id))
                            .flatMap(seq -> Conversations.insert(sql, id, seq, null, null, Author.BOT,
                                    BotLines.line(conversation.getString("language"), "resolved_by_agent"), null, List.of(), now))
                            .flatMap(v -> ConversationEvents.record(sql, id, ConversationEvent.Kind.RESOLVED, now, 0, false))
                            .flatMap(v -> ConversationWatch.changed(sql, id));
                }))
                .invoke(events::publishSoon)
                .flatMap(v -> Conversations.get(pool, id));
    }

    private static Uni<Row> locked(SqlClient sql, UUID id) {
        return sql.preparedQuery("SELECT * FROM conversation WHERE id = $1 FOR UPDATE").execute(Tuple.of(id)).map(rows -> {
            if (!rows.iterator().hasNext()) {
                throw new NotFound("conversation");
            }
            return rows.iterator().next();
        });
    }

    private static Uni<Integer> next(SqlClient sql, UUID id) {
        return sql.preparedQuery("SELECT coalesce(max(seq), 0) + 1 AS next FROM chat_message WHERE conversation_id = $1")
                .execute(Tuple.of(id)).map(rows -> rows.iterator().next().getInteger("next"));
    }

    private static void holds(Row conversation, String agent) {
        if (!Status.WITH_AGENT.name().equals(conversation.getString("status")) || !agent.equals(conversation.getString("agent"))) {
            throw failedPrecondition("only the agent who accepted the conversation writes in it");
        }
    }

    private static String agent(String agent) {
        if (agent.isBlank() || agent.length() > 128 || InvalidInput.hasNul(agent)) {
            throw new InvalidInput("agent", "the agent's user name, at most 128 characters");
        }
        return agent;
    }

    private static RuntimeException failedPrecondition(String why) {
        return io.grpc.Status.fromCode(Code.FAILED_PRECONDITION).withDescription(why).asRuntimeException();
    }
}
