package dev.rapport.segment.projection.messaging;

import dev.rapport.runtime.db.DatabaseOutages;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.privacy.ConsentStateConsumer;
import dev.rapport.privacy.ConsentView;
import dev.rapport.privacy.DataUses;

import dev.rapport.proto.privacy.v1.ConsentState;
import dev.rapport.proto.privacy.v1.PurposeConsent;
import dev.rapport.segment.projection.Projection;
import dev.rapport.segment.projection.StoredJson;
import dev.rapport.segment.evaluation.PurposeBasis;
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

    private final ConsentPolicy policy;

    ConsentConsumer(Pool pool, Projection projection, Memberships memberships, ConsentPolicy policy) {
        this.policy = policy;
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
        return DatabaseOutages.waitedOut("applying a consent state", () -> pool.withTransaction(tx -> {
                    Uni<Boolean> applied = state == null ? projection.forgetConsent(tx, subject)
                            : projection.applyConsent(tx, subject, state.getVersion(), decisions(policy, state));
                    return applied.flatMap(changed -> changed && isProfileId(subject)
                            ? memberships.reevaluate(tx, Set.of(UUID.fromString(subject)), inputs -> inputs.consent()).replaceWithVoid()
                            : Uni.createFrom().voidItem());
                }))
                .flatMap(x -> Uni.createFrom().completionStage(record::ack));
    }

    /**
     * The person's standing decision for every data use ("purpose" -> granted; "purpose/channel" -> granted where a
     * channel's decision differs), resolved as the shared consent view resolves them (a withdrawal of "marketing"
     * stands for "marketing.communications"; the newest decision wins), and their policy regime under
     * {@link PurposeBasis#REGIME}: segments are computed in SQL, which then only looks values up.
     */
    static ObjectNode decisions(ConsentPolicy policy, ConsentState state) {
        ConsentView.SubjectConsent consent = ConsentStateConsumer.read(state);
        Set<String> channels = new TreeSet<>();
        state.getPurposesList().stream().map(PurposeConsent::getChannel).filter(c -> !c.isEmpty()).forEach(channels::add);
        ObjectNode decisions = StoredJson.mapper().createObjectNode();
        decisions.put(PurposeBasis.REGIME, policy.regime(state.getJurisdiction()).name());
        for (String use : new TreeSet<>(DataUses.all())) {
            Optional<Boolean> all = consent.decision(use, "");
            all.ifPresent(granted -> decisions.put(use, granted));
            for (String channel : channels) {
                Optional<Boolean> one = consent.decision(use, channel);
                if (one.isPresent() && !one.equals(all)) {
                    decisions.put(use + "/" + channel, one.get());
                }
            }
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
