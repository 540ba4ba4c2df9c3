package dev.rapport.profile.attribute;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.profile.profile.StoredTime;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.AttributeDefinition.MergeRule;
import dev.rapport.proto.profile.v1.AttributeDefinition.Type;
import dev.rapport.runtime.event.Envelopes;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The attribute schema: the standard definitions and the custom ones created through the API. Custom definitions
 * never change once created, so each replica caches what it has read and asks the database only about a name it
 * does not know yet (another replica may have created it).
 */
@ApplicationScoped
public class AttributeDefinitions {
    private final Pool pool;
    private final Map<String, AttributeDefinition> custom = new ConcurrentHashMap<>();

    AttributeDefinitions(Pool pool) {
        this.pool = pool;
    }

    /** Creates a custom definition; the same definition again answers the stored one, a different one is refused. */
    public Uni<AttributeDefinition> create(AttributeDefinition requested) {
        AttributeDefinition definition = AttributeValidation.checkDefinition(requested);
        OffsetDateTime now = StoredTime.now();
        return pool.preparedQuery("""
                INSERT INTO attribute_definition (name, type, data_category, merge_rule, description, max_length, create_time)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING""")
                .execute(Tuple.from(List.of(definition.getName(), definition.getType().name(), definition.getDataCategory(),
                        definition.getMergeRule().name(), definition.getDescription(), definition.getMaxLength(), now)))
                .flatMap(ignored -> load(List.of(definition.getName())))
                .map(stored -> {
                    AttributeDefinition existing = stored.get(definition.getName());
                    if (!existing.toBuilder().clearCreateTime().build().equals(definition)) {
                        throw Status.ALREADY_EXISTS.withDescription("attribute " + definition.getName()
                                + " is already defined differently; definitions do not change once created").asRuntimeException();
                    }
                    return existing;
                });
    }

    /** The definitions of these names that exist (standard or custom); absent names are simply missing. */
    public Uni<Map<String, AttributeDefinition>> of(Collection<String> names) {
        Map<String, AttributeDefinition> found = new HashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            StandardAttribute.named(name).ifPresentOrElse(s -> found.put(name, s.definition()), () -> {
                AttributeDefinition cached = custom.get(name);
                if (cached != null) {
                    found.put(name, cached);
                } else {
                    unknown.add(name);
                }
            });
        }
        if (unknown.isEmpty()) {
            return Uni.createFrom().item(found);
        }
        return load(unknown).map(loaded -> {
            found.putAll(loaded);
            return found;
        });
    }

    public Uni<List<AttributeDefinition>> all() {
        return pool.query("SELECT * FROM attribute_definition ORDER BY name").execute().map(rows -> {
            List<AttributeDefinition> all = new ArrayList<>(Arrays.stream(StandardAttribute.values()).map(StandardAttribute::definition).toList());
            for (Row row : rows) {
                AttributeDefinition definition = toDefinition(row);
                custom.put(definition.getName(), definition);
                all.add(definition);
            }
            return all;
        });
    }

    private Uni<Map<String, AttributeDefinition>> load(List<String> names) {
        return pool.preparedQuery("SELECT * FROM attribute_definition WHERE name = ANY($1)")
                .execute(Tuple.of(names.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, AttributeDefinition> loaded = new HashMap<>();
                    for (Row row : rows) {
                        AttributeDefinition definition = toDefinition(row);
                        custom.put(definition.getName(), definition);
                        loaded.put(definition.getName(), definition);
                    }
                    return loaded;
                });
    }

    private static AttributeDefinition toDefinition(Row row) {
        return AttributeDefinition.newBuilder()
                .setName(row.getString("name"))
                .setType(Type.valueOf(row.getString("type")))
                .setDataCategory(row.getString("data_category"))
                .setMergeRule(MergeRule.valueOf(row.getString("merge_rule")))
                .setDescription(row.getString("description"))
                .setMaxLength(row.getInteger("max_length"))
                .setCreateTime(Envelopes.timestamp(row.getOffsetDateTime("create_time").toInstant()))
                .build();
    }
}
