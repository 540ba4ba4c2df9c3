package dev.rapport.chatbot.conversation;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.runtime.event.Envelopes;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What happens to support conversations, on {@code chat.conversations}: started, handed over, resolved, rated,
 * abandoned. Each event is written to an outbox in the transaction that made it happen and published from there,
 * oldest first, at least once (the consumers, profile-service's timeline and campaign-service's hold on marketing,
 * are idempotent on the conversation and the kind), so a crash or a Kafka outage delays an event but never loses it.
 */
@ApplicationScoped
public class ConversationEvents {
    static final String SOURCE = "rapport/chatbot-service";
    static final String TYPE = "dev.rapport.chat.conversation.v1";
    private static final Logger LOG = Logger.getLogger(ConversationEvents.class);
    private static final int BATCH = 100;

    private final Pool pool;
    private final MutinyEmitter<ConversationEvent> topic;
    private final AtomicBoolean publishing = new AtomicBoolean();

    ConversationEvents(Pool pool, @Channel("chat-conversations") MutinyEmitter<ConversationEvent> topic) {
        this.pool = pool;
        this.topic = topic;
    }

    /** Records an event in the caller's transaction; it is published once that commits. */
    static Uni<Void> record(SqlClient sql, UUID conversation, ConversationEvent.Kind kind, OffsetDateTime time, int satisfaction,
            boolean badExperience) {
        return sql.preparedQuery("""
                INSERT INTO conversation_event (id, conversation_id, kind, event_time, satisfaction, bad_experience)
                VALUES ($1, $2, $3, $4, $5, $6)""")
                .execute(Tuple.from(List.of(UUID.randomUUID(), conversation, kind.name(), time, satisfaction, badExperience)))
                .replaceWithVoid();
    }

    /** Publishes what is waiting, now (after a change committed) rather than at the next sweep. Never fails. */
    public void publishSoon() {
        publish().subscribe().with(done -> { }, failure -> { });
    }

    /** The outbox sweep: also catches what a crash or a Kafka outage held back. */
    @Scheduled(every = "${rapport.conversations.events-sweep:1s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> publish() {
        if (!publishing.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        // one publisher at a time across replicas, so that one conversation's events reach the topic in order
        return pool.withTransaction(tx -> tx.query("SELECT pg_try_advisory_xact_lock(hashtext('rapport.chat.conversation_event')) AS mine")
                        .execute()
                        .flatMap(lock -> !lock.iterator().next().getBoolean("mine") ? Uni.createFrom().voidItem() : tx.preparedQuery("""
                        SELECT e.*, c.profile_id, c.language FROM conversation_event e JOIN conversation c ON c.id = e.conversation_id
                        WHERE NOT e.published ORDER BY e.seq LIMIT $1""")
                        .execute(Tuple.of(BATCH))
                        .flatMap(rows -> {
                            List<Row> pending = new ArrayList<>();
                            rows.forEach(pending::add);
                            if (pending.isEmpty()) {
                                return Uni.createFrom().voidItem();
                            }
                            // in order: one conversation's events reach the topic as they happened
                            return Multi.createFrom().iterable(pending)
                                    .onItem().transformToUniAndConcatenate(this::send)
                                    .collect().last()
                                    .flatMap(sent -> tx.preparedQuery("UPDATE conversation_event SET published = true WHERE seq = ANY($1)")
                                            .execute(Tuple.of(pending.stream().map(r -> r.getLong("seq")).toArray(Long[]::new))))
                                    .replaceWithVoid();
                        })))
                .onFailure().invoke(failure -> LOG.warnf("conversation events not published yet (the sweep retries): %s", failure.toString()))
                .onFailure().recoverWithNull()
                .onTermination().invoke(() -> publishing.set(false))
                .replaceWithVoid();
    }

    private Uni<Void> send(Row row) {
        String conversation = row.getUUID("conversation_id").toString();
        String profile = row.getUUID("profile_id") == null ? "" : row.getUUID("profile_id").toString();
        // keyed by profile (DESIGN.md); an anonymous visitor's conversation by itself
        String key = profile.isEmpty() ? conversation : profile;
        ConversationEvent event = ConversationEvent.newBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), SOURCE, TYPE, key, row.getUUID("id").toString()))
                .setConversationId(conversation)
                .setProfileId(profile)
                .setKind(ConversationEvent.Kind.valueOf(row.getString("kind")))
                .setEventTime(Envelopes.timestamp(row.getOffsetDateTime("event_time").toInstant()))
                .setSatisfaction(row.getInteger("satisfaction"))
                .setBadExperience(row.getBoolean("bad_experience"))
                .setLanguage(row.getString("language"))
                .build();
        return topic.sendMessage(Message.of(event).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
    }
}
