package dev.rapport.gateway.consent;

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
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
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
    private final MutinyEmitter<ConsentState> topic;

    ConsentPublisher(Pool pool, ConsentStates states, ConsentView view, @Channel("consent-states") MutinyEmitter<ConsentState> topic) {
        this.pool = pool;
        this.states = states;
        this.view = view;
        this.topic = topic;
    }

    /**
     * Publishes the person's state now and applies it to this instance's view at once (its next request decides with
     * it). Never fails: what cannot be published now is left to the sweep.
     */
    public Uni<Void> publish(String subject) {
        return states.current(subject)
                .flatMap(state -> state == null ? Uni.createFrom().voidItem() : send(state))
                .onFailure().invoke(failure -> LOG.warnf("consent state not published yet (the sweep retries): %s", failure.toString()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> send(ConsentState state) {
        view.apply(state.getSubject(), ConsentStateConsumer.read(state));
        ConsentState message = state.toBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), SOURCE, TYPE, state.getSubject(),
                        state.getSubject() + "/consent/v" + state.getVersion()))
                .build();
        return topic.sendMessage(Message.of(message)
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(state.getSubject()).build()))
                .flatMap(sent -> pool.preparedQuery("UPDATE consent_subject SET published_version = GREATEST(published_version, $2) WHERE subject = $1")
                        .execute(Tuple.of(state.getSubject(), state.getVersion())))
                .replaceWithVoid();
    }

    /** The outbox sweep: states recorded but not yet published. */
    @Scheduled(every = "${rapport.consent.publish-sweep:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> sweep() {
        return pool.query("SELECT subject FROM consent_subject WHERE published_version < version LIMIT 500").execute()
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate((Row row) -> publish(row.getString("subject")))
                .collect().last().replaceWithVoid();
    }
}
