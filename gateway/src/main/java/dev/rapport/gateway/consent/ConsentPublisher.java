package dev.rapport.gateway.consent;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.rapport.privacy.ConsentStateConsumer;
import dev.rapport.privacy.ConsentView;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.ConsentState;
import dev.rapport.runtime.event.Envelopes;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.Record;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Puts each person's current consent on the compacted {@code privacy.consent} topic. The ledger marks what is
 * published, so a state a crash or a Kafka outage held back goes out on the next sweep (an outbox): every
 * acknowledged decision reaches every service, at least once, in version order per person.
 */
@ApplicationScoped
public class ConsentPublisher {
    static final String SOURCE = "rapport/gateway";
    static final String TYPE = "dev.rapport.privacy.consent.v1";
    private static final Logger LOG = Logger.getLogger(ConsentPublisher.class);

    private final Pool pool;
    private final ConsentStates states;
    private final ConsentView view;
    private final MutinyEmitter<Record<String, ConsentState>> topic;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private static final int MAX_IN_FLIGHT = 8;

    ConsentPublisher(Pool pool, ConsentStates states, ConsentView view, @Channel("consent-states") MutinyEmitter<Record<String, ConsentState>> topic) {
        this.pool = pool;
        this.states = states;
        this.view = view;
        this.topic = topic;
    }

    /**
     * Applies the person's state to this instance's view at once (its next request decides with it) and publishes it
     * in the background: an answer never waits on a broker that is away. Never fails; what is not published now is
     * left to the sweep.
     */
    public Uni<Void> publish(String subject) {
        return states.current(pool, subject)
                .invoke(state -> {
                    if (state != null) {
                        if (ConsentStates.isErased(state)) {
                            view.forget(subject);
                        } else {
                            view.apply(state.getSubject(), ConsentStateConsumer.read(state));
                        }
                        publishInOrder(subject);
                    }
                })
                .onFailure().invoke(failure -> LOG.warnf("consent state not published yet (the sweep retries): %s", failure.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Sends the person's newest state unless it is already out. A compacted topic keeps the last record, not the
     * highest version, so one person's states must reach it in order: across instances one publisher at a time holds
     * the person (an advisory lock for the transaction; the others leave it to their next sweep), reads the state under
     * it and marks it published once Kafka acknowledged it. A bounded number of sends is in flight per instance.
     */
    private void publishInOrder(String subject) {
        if (inFlight.size() >= MAX_IN_FLIGHT || !inFlight.add(subject)) {
            return;
        }
        pool.withTransaction(tx -> tx.preparedQuery("SELECT pg_try_advisory_xact_lock(hashtextextended('consent:' || $1, 0)) AS mine")
                        .execute(Tuple.of(subject))
                        .flatMap(lock -> !lock.iterator().next().getBoolean("mine") ? Uni.createFrom().voidItem()
                                : tx.preparedQuery("SELECT published_version FROM consent_subject WHERE subject = $1").execute(Tuple.of(subject))
                                        .flatMap(published -> states.current(tx, subject).flatMap(state -> state == null
                                                || state.getVersion() <= published.iterator().next().getLong("published_version")
                                                        ? Uni.createFrom().voidItem()
                                                        : send(tx, state)))))
                .onTermination().invoke(() -> inFlight.remove(subject))
                .subscribe().with(done -> { }, failure -> LOG.warnf("consent state not published yet (the sweep retries): %s", failure.toString()));
    }

    private Uni<Void> send(SqlClient tx, ConsentState state) {
        String subject = state.getSubject();
        // An erased person's key gets a tombstone: compaction then drops every state of theirs from the topic.
        ConsentState message = ConsentStates.isErased(state) ? null : state.toBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), SOURCE, TYPE, subject, subject + "/consent/v" + state.getVersion()))
                .build();
        return topic.sendMessage(Message.of(Record.of(subject, message)))
                .flatMap(sent -> tx.preparedQuery("UPDATE consent_subject SET published_version = $2 WHERE subject = $1")
                        .execute(Tuple.of(subject, state.getVersion())))
                .replaceWithVoid();
    }

    /** The outbox sweep: states recorded but not yet published. */
    @Scheduled(every = "${rapport.consent.publish-sweep:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> sweep() {
        return pool.query("SELECT subject FROM consent_subject WHERE published_version < version LIMIT 64").execute()
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate((Row row) -> publish(row.getString("subject")))
                .collect().last().replaceWithVoid();
    }
}
