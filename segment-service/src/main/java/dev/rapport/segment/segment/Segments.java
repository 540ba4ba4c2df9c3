package dev.rapport.segment.segment;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Struct;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.segment.definition.AttributeSchema;
import dev.rapport.segment.definition.Condition;
import dev.rapport.segment.definition.DefinitionParser;
import dev.rapport.segment.projection.StoredJson;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** Saving, editing and deleting segments; each save computes the segment in the same transaction. */
@ApplicationScoped
public class Segments {
    static final int MAX_NAME = 200;
    static final int MAX_DESCRIPTION = 2000;

    private final Pool pool;
    private final SegmentCatalog catalog;
    private final Memberships memberships;
    private final AttributeSchema schema;

    Segments(Pool pool, SegmentCatalog catalog, Memberships memberships, AttributeSchema schema) {
        this.pool = pool;
        this.catalog = catalog;
        this.memberships = memberships;
        this.schema = schema;
    }

    /** A segment as stored, with its size after the last computation. */
    public record Stored(UUID id, String name, String description, String purpose, long version, JsonNode definition,
            OffsetDateTime createTime, OffsetDateTime updateTime, Memberships.Size size) {
    }

    /** A checked definition: the tree and the types of the attributes it names (saved with it). */
    public record Checked(Condition condition, JsonNode definition, Map<String, AttributeDefinition.Type> attributeTypes) {
    }

    /** Checks a definition (and purpose) against the attribute schema and the saved segments; throws with every problem. */
    public Uni<Checked> check(SqlClient client, Struct definition, String purpose, UUID self) {
        JsonNode json = StoredJson.read(StoredJson.print(definition));
        return schema.types(attributeNames(json)).flatMap(types -> savedDefinitions(client).map(saved -> {
            List<Violation> problems = new ArrayList<>();
            DefinitionParser.purposeProblem(purpose).ifPresent(problems::add);
            DefinitionParser.Result result = DefinitionParser.parse(json, self, DefinitionParser.Context.of(types, id -> Optional.ofNullable(saved.get(id)),
                    catalog.purchases().defaultCurrency()));
            problems.addAll(result.problems());
            if (!problems.isEmpty()) {
                throw new InvalidInput(problems);
            }
            Map<String, AttributeDefinition.Type> used = new HashMap<>();
            for (String name : attributeNames(json)) {
                if (types.containsKey(name)) {
                    used.put(name, types.get(name));
                }
            }
            return new Checked(result.condition(), json, used);
        }));
    }

    public Uni<Stored> create(String name, String description, String purpose, Struct definition) {
        checkText(name, description);
        UUID id = UUID.randomUUID();
        return pool.withTransaction(tx -> Memberships.lockDefinitions(tx).flatMap(x -> check(tx, definition, purpose, id)).flatMap(checked -> {
            OffsetDateTime now = Memberships.time(Memberships.now());
            return tx.preparedQuery("""
                    INSERT INTO segment (segment_id, name, description, purpose, version, definition, attribute_types, create_time, update_time)
                    VALUES ($1, $2, $3, $4, 1, ($5::text)::jsonb, ($6::text)::jsonb, $7, $7)""")
                    .execute(Tuple.from(List.of(id, name, description, purpose, StoredJson.write(checked.definition()),
                            StoredJson.write(StoredJson.mapper().valueToTree(checked.attributeTypes())), now)))
                    .flatMap(x -> saveVersion(tx, id, 1, purpose, checked.definition(), now))
                    .flatMap(x -> compute(tx, id));
        })).flatMap(size -> get(id));
    }

    public Uni<Stored> update(UUID id, long expectedVersion, String name, String description, String purpose, Struct definition) {
        checkText(name, description);
        return pool.withTransaction(tx -> Memberships.lockDefinitions(tx).flatMap(x -> lock(tx, id)).flatMap(version -> {
            if (expectedVersion != 0 && expectedVersion != version) {
                throw Status.ABORTED.withDescription("segment is at version " + version + ", not " + expectedVersion
                        + ": read it again and reapply your edit").asRuntimeException();
            }
            return check(tx, definition, purpose, id).flatMap(checked -> {
                OffsetDateTime now = Memberships.time(Memberships.now());
                return tx.preparedQuery("""
                        UPDATE segment SET name = $2, description = $3, purpose = $4, version = $5, definition = ($6::text)::jsonb,
                          attribute_types = ($7::text)::jsonb, update_time = $8 WHERE segment_id = $1""")
                        .execute(Tuple.from(List.of(id, name, description, purpose, version + 1, StoredJson.write(checked.definition()),
                                StoredJson.write(StoredJson.mapper().valueToTree(checked.attributeTypes())), now)))
                        .flatMap(x -> saveVersion(tx, id, version + 1, purpose, checked.definition(), now))
                        .flatMap(x -> compute(tx, id));
            });
        })).flatMap(size -> get(id));
    }

    /** Deletes a segment no other segment refers to; every member leaves (announced). Idempotent. */
    public Uni<Long> delete(UUID id) {
        return pool.withTransaction(tx -> Memberships.lockDefinitions(tx)
                .flatMap(x -> tx.preparedQuery("SELECT version FROM segment WHERE segment_id = $1 FOR UPDATE").execute(Tuple.of(id)))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(0L);
                    }
                    return catalog.current(tx).flatMap(all -> {
                        List<String> referring = all.values().stream()
                                .filter(s -> !s.id().equals(id) && refersTo(s.condition(), id))
                                .map(s -> s.name() + " (" + s.id() + ")").sorted().toList();
                        if (!referring.isEmpty()) {
                            throw Status.FAILED_PRECONDITION.withDescription("segments refer to this one: " + String.join(", ", referring)
                                    + "; edit them first").asRuntimeException();
                        }
                        return memberships.removeAll(tx, all.get(id))
                                .flatMap(removed -> tx.preparedQuery("DELETE FROM segment WHERE segment_id = $1").execute(Tuple.of(id))
                                        .replaceWith(removed));
                    });
                }));
    }

    /** Recomputes a saved segment in full (time passed, or repair); the differences are announced. */
    public Uni<Memberships.Size> recompute(UUID id) {
        return pool.withTransaction(tx -> lock(tx, id).flatMap(version -> compute(tx, id)));
    }

    private Uni<Memberships.Size> compute(SqlClient tx, UUID id) {
        return catalog.current(tx).flatMap(all -> memberships.recompute(tx, all.get(id), all));
    }

    private Uni<Long> lock(SqlClient tx, UUID id) {
        return tx.preparedQuery("SELECT version FROM segment WHERE segment_id = $1 FOR UPDATE").execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new NotFound("segment");
                    }
                    return rows.iterator().next().getLong("version");
                });
    }

    private Uni<Void> saveVersion(SqlClient tx, UUID id, long version, String purpose, JsonNode definition, OffsetDateTime now) {
        return tx.preparedQuery("""
                INSERT INTO segment_version (segment_id, version, purpose, definition, change_time) VALUES ($1, $2, $3, ($4::text)::jsonb, $5)""")
                .execute(Tuple.of(id, version, purpose, StoredJson.write(definition), now)).replaceWithVoid();
    }

    public Uni<Stored> get(UUID id) {
        return pool.preparedQuery("""
                SELECT s.*, s.definition::text AS definition_json, z.measure_time, z.segment_version AS measured_version, z.members, z.withdrawn, z.undecided
                FROM segment s LEFT JOIN LATERAL (
                  SELECT * FROM segment_size z WHERE z.segment_id = s.segment_id ORDER BY measure_time DESC LIMIT 1) z ON true
                WHERE s.segment_id = $1""").execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new NotFound("segment");
                    }
                    return stored(rows.iterator().next());
                });
    }

    /** By name, then id; {@code after} is the last (name, id) of the previous page. */
    public Uni<List<Stored>> list(int limit, String afterName, UUID afterId) {
        return pool.preparedQuery("""
                SELECT s.*, s.definition::text AS definition_json, z.measure_time, z.segment_version AS measured_version, z.members, z.withdrawn, z.undecided
                FROM segment s LEFT JOIN LATERAL (
                  SELECT * FROM segment_size z WHERE z.segment_id = s.segment_id ORDER BY measure_time DESC LIMIT 1) z ON true
                WHERE $2::text IS NULL OR (s.name, s.segment_id) > ($2, $3)
                ORDER BY s.name, s.segment_id LIMIT $1""").execute(Tuple.of(limit, afterName, afterId))
                .map(rows -> {
                    List<Stored> page = new ArrayList<>();
                    rows.forEach(r -> page.add(stored(r)));
                    return page;
                });
    }

    private static Stored stored(Row r) {
        Memberships.Size size = r.getOffsetDateTime("measure_time") == null ? null
                : new Memberships.Size(r.getLong("members"), r.getLong("withdrawn"), r.getLong("undecided"),
                        r.getOffsetDateTime("measure_time").toInstant(), r.getLong("measured_version"));
        return new Stored(r.getUUID("segment_id"), r.getString("name"), r.getString("description"), r.getString("purpose"),
                r.getLong("version"), StoredJson.read(r.getString("definition_json")), r.getOffsetDateTime("create_time"),
                r.getOffsetDateTime("update_time"), size);
    }

    private Uni<Map<UUID, JsonNode>> savedDefinitions(SqlClient client) {
        return client.preparedQuery("SELECT segment_id, definition::text AS definition FROM segment").execute().map(rows -> {
            Map<UUID, JsonNode> saved = new HashMap<>();
            rows.forEach(r -> saved.put(r.getUUID("segment_id"), StoredJson.read(r.getString("definition"))));
            return saved;
        });
    }

    private static void checkText(String name, String description) {
        List<Violation> problems = new ArrayList<>();
        if (name.isBlank() || name.length() > MAX_NAME || name.indexOf('\0') >= 0) {
            problems.add(new Violation("name", "required, at most " + MAX_NAME + " characters"));
        }
        if (description.length() > MAX_DESCRIPTION || description.indexOf('\0') >= 0) {
            problems.add(new Violation("description", "at most " + MAX_DESCRIPTION + " characters"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
    }

    /** The attribute names a definition mentions (to know which types to fetch). */
    static Collection<String> attributeNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        collect(node, names);
        return names;
    }

    private static void collect(JsonNode node, Set<String> names) {
        if (node == null) {
            return;
        }
        if (node.isObject() && "attribute".equals(node.path("kind").asText()) && node.path("attribute").isTextual()
                && !node.path("attribute").asText().equals("age")) { // derived from birth_date
            names.add(node.path("attribute").asText());
        }
        node.elements().forEachRemaining(child -> collect(child, names));
    }

    static boolean refersTo(Condition condition, UUID id) {
        return switch (condition) {
            case Condition.All a -> a.of().stream().anyMatch(c -> refersTo(c, id));
            case Condition.Any a -> a.of().stream().anyMatch(c -> refersTo(c, id));
            case Condition.Not n -> refersTo(n.condition(), id);
            case Condition.InSegment in -> in.segmentId().equals(id);
            default -> false;
        };
    }
}
