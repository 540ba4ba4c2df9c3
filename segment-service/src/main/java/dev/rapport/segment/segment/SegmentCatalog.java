package dev.rapport.segment.segment;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.segment.definition.DefinitionParser;
import dev.rapport.runtime.PurchaseConvention;
import dev.rapport.segment.projection.StoredJson;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Every saved segment's current version, parsed once per version. Read through {@link #current} inside a
 * transaction: the versions are checked against the table each time, so another replica's edit is seen at once.
 */
@ApplicationScoped
public class SegmentCatalog {
    private final PurchaseConvention purchases;
    private volatile Map<UUID, SavedSegment> parsed = Map.of();
    private volatile Map<UUID, String> stamps = Map.of();

    SegmentCatalog(PurchaseConvention purchases) {
        this.purchases = purchases;
    }

    public Uni<Map<UUID, SavedSegment>> current(SqlClient tx) {
        // Keyed by version and update time: a version parsed inside a transaction that then rolled back never
        // stands in for the version another edit committed.
        return tx.preparedQuery("SELECT segment_id, version || '@' || update_time AS stamp FROM segment").execute().flatMap(rows -> {
            Map<UUID, String> versions = new HashMap<>();
            rows.forEach(r -> versions.put(r.getUUID("segment_id"), r.getString("stamp")));
            Map<UUID, SavedSegment> held = parsed;
            UUID[] stale = versions.entrySet().stream()
                    .filter(e -> !held.containsKey(e.getKey()) || !stamps.getOrDefault(e.getKey(), "").equals(e.getValue()))
                    .map(Map.Entry::getKey).toArray(UUID[]::new);
            if (stale.length == 0 && held.keySet().equals(versions.keySet())) {
                return Uni.createFrom().item(held);
            }
            return tx.preparedQuery("""
                    SELECT segment_id, name, purpose, version, definition::text AS definition, attribute_types::text AS types,
                           version || '@' || update_time AS stamp
                    FROM segment WHERE segment_id = ANY($1)""").execute(Tuple.of(stale))
                    .map(changed -> {
                        Map<UUID, SavedSegment> next = new HashMap<>();
                        Map<UUID, String> nextStamps = new HashMap<>();
                        held.forEach((id, s) -> {
                            if (versions.containsKey(id)) {
                                next.put(id, s);
                                nextStamps.put(id, stamps.get(id));
                            }
                        });
                        changed.forEach(r -> {
                            next.put(r.getUUID("segment_id"), read(r));
                            nextStamps.put(r.getUUID("segment_id"), r.getString("stamp"));
                        });
                        Map<UUID, SavedSegment> result = Map.copyOf(next);
                        synchronized (this) {
                            stamps = Map.copyOf(nextStamps);
                            parsed = result;
                        }
                        return result;
                    });
        });
    }

    public PurchaseConvention purchases() {
        return purchases;
    }

    /** A stored definition, read again with the attribute types it was saved with. */
    private SavedSegment read(Row row) {
        JsonNode definition = StoredJson.read(row.getString("definition"));
        JsonNode types = StoredJson.read(row.getString("types"));
        Map<String, AttributeDefinition.Type> attributes = new HashMap<>();
        types.fields().forEachRemaining(e -> attributes.put(e.getKey(), AttributeDefinition.Type.valueOf(e.getValue().asText())));
        DefinitionParser.Result result = DefinitionParser.parse(definition, null, DefinitionParser.Context.of(attributes,
                id -> Optional.of(NullNode.getInstance()), purchases.defaultCurrency())); // references were checked when it was saved
        if (!result.valid()) {
            throw new IllegalStateException("stored definition of segment " + row.getUUID("segment_id") + " no longer reads: " + result.problems());
        }
        return new SavedSegment(row.getUUID("segment_id"), row.getString("name"), row.getString("purpose"), row.getLong("version"),
                definition, result.condition());
    }
}
