package dev.rapport.chatbot.conversation;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import dev.rapport.proto.chat.v1.ConversationUpdate;
import dev.rapport.runtime.error.NotFound;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Conversations as they change, on every replica: a transaction that changes one ends with a PostgreSQL
 * notification (delivered when it commits), each replica listens on one connection, and a watcher reads what is new
 * in its conversation. The customer and the agent may be connected to different replicas; both see every message.
 */
@ApplicationScoped
public class ConversationWatch {
    static final String CHANNEL = "rapport_chat";
    /** Not a conversation id: every watcher looks. */
    private static final String EVERYONE = "*";
    private static final Logger LOG = Logger.getLogger(ConversationWatch.class);

    private final Vertx vertx;
    private final Pool pool;
    private final PgConnectOptions options;
    private final BroadcastProcessor<String> changed = BroadcastProcessor.create();
    private PgSubscriber subscriber;

    ConversationWatch(Vertx vertx, Pool pool,
            @ConfigProperty(name = "rapport.db.host") String host, @ConfigProperty(name = "rapport.db.port") int port,
            @ConfigProperty(name = "rapport.db.name") String database,
            @ConfigProperty(name = "quarkus.datasource.username") String user,
            @ConfigProperty(name = "quarkus.datasource.password") String password) {
        this.vertx = vertx;
        this.pool = pool;
        this.options = new PgConnectOptions().setHost(host).setPort(port).setDatabase(database).setUser(user).setPassword(password);
    }

    /** Ends the caller's transaction with "this conversation changed" (sent by PostgreSQL once it commits). */
    static Uni<Void> changed(SqlClient sql, UUID conversation) {
        return sql.preparedQuery("SELECT pg_notify($1, $2)").execute(Tuple.of(CHANNEL, conversation.toString())).replaceWithVoid();
    }

    void start(@Observes StartupEvent start) {
        subscriber = PgSubscriber.subscriber(vertx, options)
                // keep listening through a database restart
                .reconnectPolicy(retries -> 1_000L);
        subscriber.channel(CHANNEL).handler(changed::onNext)
                // (re)listening: whatever changed while no one listened is read now, by every watcher
                .subscribeHandler(() -> changed.onNext(EVERYONE));
        connect();
    }

    /** The first connection is retried too (the reconnect policy covers only a connection that was up). */
    private void connect() {
        subscriber.connect().subscribe().with(connected -> { }, failure -> {
            LOG.warnf("not listening for chat changes yet, retrying: %s", failure.toString());
            vertx.setTimer(1_000, id -> connect());
        });
    }

    void stop(@Observes ShutdownEvent stop) {
        changed.onComplete();
        if (subscriber != null) {
            subscriber.close().await().indefinitely();
        }
    }

    /**
     * The conversation's messages after {@code afterMessage} (null: from now on) and its status after each change,
     * as they happen, until cancelled. NOT_FOUND when there is no such conversation, or no such message in it.
     */
    public Multi<ConversationUpdate> watch(UUID id, UUID afterMessage) {
        return pool.preparedQuery("""
                        SELECT coalesce((SELECT seq FROM chat_message WHERE conversation_id = $1 AND id = $2),
                                        CASE WHEN $2::uuid IS NULL THEN (SELECT max(seq) FROM chat_message WHERE conversation_id = $1) END,
                                        -1) AS last,
                               EXISTS (SELECT 1 FROM conversation WHERE id = $1) AS found""")
                .execute(Tuple.of(id, afterMessage))
                .onItem().transformToMulti(rows -> {
                    Row row = rows.iterator().next();
                    if (!row.getBoolean("found") || row.getInteger("last") < 0) {
                        throw new NotFound(row.getBoolean("found") ? "message" : "conversation");
                    }
                    AtomicInteger last = new AtomicInteger(row.getInteger("last"));
                    String key = id.toString();
                    // listening first, then one look: nothing written in between is missed. A notification only says
                    // "look": while one look runs, the newest waiting one is enough.
                    return Multi.createBy().merging().streams(changed.filter(c -> c.equals(key) || c.equals(EVERYONE)), Multi.createFrom().item(key))
                            .onOverflow().dropPreviousItems()
                            .onItem().transformToUniAndConcatenate(ignored -> updates(id, last))
                            .onItem().transformToIterable(list -> list);
                });
    }

    private Uni<List<ConversationUpdate>> updates(UUID id, AtomicInteger last) {
        return pool.preparedQuery("SELECT * FROM chat_message WHERE conversation_id = $1 AND seq > $2 ORDER BY seq")
                .execute(Tuple.of(id, last.get()))
                .flatMap(rows -> pool.preparedQuery("SELECT * FROM conversation WHERE id = $1").execute(Tuple.of(id)).map(conversation -> {
                    if (!conversation.iterator().hasNext()) {
                        throw new NotFound("conversation"); // erased: the watch ends
                    }
                    List<ConversationUpdate> updates = new ArrayList<>();
                    rows.forEach(row -> {
                        last.set(Math.max(last.get(), row.getInteger("seq")));
                        updates.add(ConversationUpdate.newBuilder().setMessage(Conversations.toMessage(row)).build());
                    });
                    conversation.forEach(row -> updates.add(ConversationUpdate.newBuilder()
                            .setConversation(Conversations.toConversation(row)).build()));
                    return updates;
                }));
    }
}
