package dev.rapport.profile.attribute;

import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Value;

import dev.rapport.profile.profile.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class AttributeRepository {
    /** A stored value with when it was set (merge rules compare those times). */
    public record Stored(Value value, OffsetDateTime updateTime, String source) {
    }

    public Uni<Map<String, Stored>> values(SqlClient tx, UUID profileId, Collection<String> names) {
        return tx.preparedQuery(SELECT + " AND name = ANY($2)").execute(Tuple.of(profileId, names.toArray(String[]::new)))
                .map(AttributeRepository::toStored);
    }

    public Uni<Map<String, Stored>> all(SqlClient tx, UUID profileId) {
        return tx.preparedQuery(SELECT).execute(Tuple.of(profileId)).map(AttributeRepository::toStored);
    }

    private static final String SELECT = "SELECT name, value::text AS json, update_time, source FROM attribute_value WHERE profile_id = $1";

    private static Map<String, Stored> toStored(RowSet<Row> rows) {
        Map<String, Stored> values = new HashMap<>();
        rows.forEach(row -> values.put(row.getString("name"),
                new Stored(Json.value(row.getString("json")), row.getOffsetDateTime("update_time"), row.getString("source"))));
        return values;
    }

    /** Sets the values given (a null value removes the attribute), all with the same time and source. */
    public Uni<Void> write(SqlClient tx, UUID profileId, Map<String, Value> values, OffsetDateTime time, String source) {
        List<String> removed = values.entrySet().stream().filter(e -> e.getValue().hasNullValue()).map(Map.Entry::getKey).toList();
        List<Map.Entry<String, Value>> set = values.entrySet().stream().filter(e -> !e.getValue().hasNullValue()).toList();
        Uni<?> remove = removed.isEmpty() ? Uni.createFrom().voidItem()
                : tx.preparedQuery("DELETE FROM attribute_value WHERE profile_id = $1 AND name = ANY($2)")
                        .execute(Tuple.of(profileId, removed.toArray(String[]::new)));
        Uni<?> upsert = set.isEmpty() ? Uni.createFrom().voidItem()
                : tx.preparedQuery("""
                        INSERT INTO attribute_value (profile_id, name, value, update_time, source)
                        SELECT $1, n, v::jsonb, $4, $5 FROM unnest($2::text[], $3::text[]) AS a (n, v)
                        ON CONFLICT (profile_id, name) DO UPDATE
                          SET value = EXCLUDED.value, update_time = EXCLUDED.update_time, source = EXCLUDED.source""")
                        .execute(Tuple.of(profileId, set.stream().map(Map.Entry::getKey).toArray(String[]::new),
                                set.stream().map(e -> Json.print(e.getValue())).toArray(String[]::new), time, source));
        return remove.flatMap(x -> upsert).replaceWithVoid();
    }
}
