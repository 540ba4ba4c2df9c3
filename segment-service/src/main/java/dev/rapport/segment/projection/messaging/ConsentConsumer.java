package dev.rapport.segment.projection.messaging;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rapport.proto.privacy.v1.ConsentState;
import dev.rapport.proto.privacy.v1.PurposeConsent;
import dev.rapport.runtime.db.LockConflicts;
import dev.rapport.segment.projection.Projection;
import dev.rapport.segment.projection.StoredJson;
import dev.rapport.segment.segment.Memberships;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Keeps each person's consent from the compacted {@code privacy.consent} topic in this service's tables (segments are
 * computed in SQL, so consent must be there too) and re-evaluates the person's segments: a withdrawal takes them out
 * of every segment serving that purpose. Idempotent on the consent version; a tombstone forgets the person's consent.
 */
@ApplicationScoped
public class ConsentConsumer {
    private final Pool pool;
    private final Projection projection;
    private final Memberships memberships;

    ConsentConsumer(Pool pool, Projection projection, Memberships memberships) {
        this.pool = pool;
        this.projection = projection;
        this.memberships = memberships;
    }

    @Incoming("consent-projection")
    public Uni<Void> onConsent(Message<ConsentState> record) {
        ConsentState state = record.getPayload();
        String subject = state != null ? state.getSubject()
                : record.getMetadata(IncomingKafkaRecordMetadata.class).map(k -> (String) k.getKey()).orElse(null);
        if (subject == null) {
            return Uni.createFrom().completionStage(record::ack);
        }
        return pool.withTransaction(tx -> {
                    Uni<Boolean> applied = state == null ? projection.forgetConsent(tx, subject)
                            : projection.applyConsent(tx, subject, state.getVersion(), decisions(state));
                    return applied.flatMap(changed -> changed && isProfileId(subject)
                            ? memberships.reevaluate(tx, Set.of(UUID.fromString(subject)), inputs -> inputs.consent()).replaceWithVoid()
                            : Uni.createFrom().voidItem());
                })
                .onFailure(LockConflicts::isRetryable).retry().atMost(5)
                .flatMap(x -> Uni.createFrom().completionStage(record::ack));
    }

    /** purpose -> granted, and "purpose/channel" -> granted for a channel's own decision. */
    static ObjectNode decisions(ConsentState state) {
        ObjectNode decisions = StoredJson.mapper().createObjectNode();
        for (PurposeConsent p : state.getPurposesList()) {
            decisions.put(p.getChannel().isEmpty() ? p.getPurpose() : p.getPurpose() + "/" + p.getChannel(), p.getGranted());
        }
        return decisions;
    }

    private static boolean isProfileId(String subject) {
        try {
            UUID.fromString(subject);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
