package dev.rapport.profile.profile;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;

import dev.rapport.profile.trait.TraitRepository;
import dev.rapport.proto.profile.v1.AttributeChange;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileVersion;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class ProfileRepository {
    public static final Comparator<Identifier> IDENTIFIER_ORDER = Comparator.comparing((Identifier i) -> i.getType().name())
            .thenComparing(Identifier::getValue);
    private final Pool pool;
    private final TraitRepository traits;

    ProfileRepository(Pool pool, TraitRepository traits) {
        this.pool = pool;
        this.traits = traits;
    }

    /**
     * The profile each identifier finds, created with it when none does. One statement claims every identifier, so
     * concurrent batches agree on one profile per identifier.
     */
    public Uni<Map<Identifier, UUID>> findOrCreateAll(SqlClient tx, Collection<Identifier> identifiers) {
        OffsetDateTime now = StoredTime.now();
        Map<Identifier, UUID> candidates = new HashMap<>();
        identifiers.forEach(identifier -> candidates.computeIfAbsent(identifier, i -> UUID.randomUUID()));
        return claim(tx, candidates).flatMap(found -> {
            List<UUID> created = new ArrayList<>();
            List<UUID> existing = new ArrayList<>();
            found.forEach((identifier, profileId) -> (profileId.equals(candidates.get(identifier)) ? created : existing).add(profileId));
            Uni<?> create = created.isEmpty() ? Uni.createFrom().voidItem()
                    : tx.preparedQuery("INSERT INTO profile (id, create_time, update_time) SELECT unnest($1::uuid[]), $2, $2")
                            .execute(Tuple.of(created.toArray(UUID[]::new), now));
            Uni<?> touch = existing.isEmpty() ? Uni.createFrom().voidItem()
                    : tx.preparedQuery("UPDATE profile SET update_time = $2 WHERE id = ANY($1)")
                            .execute(Tuple.of(existing.stream().distinct().sorted().toArray(UUID[]::new), now));
            return create.flatMap(x -> touch).replaceWith(found);
        });
    }

    /**
     * Claims identifiers in one statement: each new one is stored pointing at the candidate profile given for it,
     * each known one answers the profile it already has. Every claimed row stays locked until the transaction ends.
     */
    public Uni<Map<Identifier, UUID>> claim(SqlClient tx, Map<Identifier, UUID> candidates) {
        // Sorted: every transaction that locks identity rows (ingestion, identify, merge) takes them in one order,
        // so none waits for another in a cycle.
        List<Identifier> sorted = candidates.keySet().stream().sorted(IDENTIFIER_ORDER).toList();
        return tx.preparedQuery("""
                INSERT INTO identity (type, value, profile_id, create_time)
                SELECT t, v, p, $4 FROM unnest($1::text[], $2::text[], $3::uuid[]) AS claimed (t, v, p)
                ON CONFLICT (type, value) DO UPDATE SET type = EXCLUDED.type
                RETURNING type, value, profile_id""")
                .execute(Tuple.of(
                        sorted.stream().map(i -> i.getType().name()).toArray(String[]::new),
                        sorted.stream().map(Identifier::getValue).toArray(String[]::new),
                        sorted.stream().map(candidates::get).toArray(UUID[]::new),
                        StoredTime.now()))
                .map(rows -> {
                    Map<Identifier, UUID> found = new HashMap<>();
                    for (Row row : rows) {
                        found.put(Identifier.newBuilder().setType(Identifier.Type.valueOf(row.getString("type")))
                                .setValue(row.getString("value")).build(), row.getUUID("profile_id"));
                    }
                    return found;
                });
    }

    /** The same candidate profile for every identifier. */
    public Uni<Map<Identifier, UUID>> claim(SqlClient tx, Collection<Identifier> identifiers, UUID candidate) {
        Map<Identifier, UUID> candidates = new HashMap<>();
        identifiers.forEach(identifier -> candidates.put(identifier, candidate));
        return claim(tx, candidates);
    }

    public Uni<Void> create(SqlClient tx, UUID id) {
        OffsetDateTime now = StoredTime.now();
        return tx.preparedQuery("INSERT INTO profile (id, create_time, update_time) VALUES ($1, $2, $2)").execute(Tuple.of(id, now)).replaceWithVoid();
    }

    /** Points identifiers (locked by this transaction) at another profile. */
    public Uni<Void> repoint(SqlClient tx, List<Identifier> identifiers, UUID profile) {
        return tx.preparedQuery("""
                UPDATE identity SET profile_id = $3 FROM unnest($1::text[], $2::text[]) AS moved (t, v)
                WHERE identity.type = moved.t AND identity.value = moved.v""")
                .execute(Tuple.of(identifiers.stream().map(i -> i.getType().name()).toArray(String[]::new),
                        identifiers.stream().map(Identifier::getValue).toArray(String[]::new), profile))
                .replaceWithVoid();
    }

    /** The id of the profile an identifier finds, without locking. */
    public Uni<Optional<UUID>> find(SqlClient tx, Identifier identifier) {
        return tx.preparedQuery("SELECT profile_id FROM identity WHERE type = $1 AND value = $2")
                .execute(Tuple.of(identifier.getType().name(), identifier.getValue()))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("profile_id")));
    }

    /** The profile with this id, or the one it was merged into. */
    public Uni<Optional<Profile>> find(UUID id) {
        return pool.preparedQuery(SELECT_PROFILE + "(SELECT coalesce(merged_into, id) FROM profile WHERE id = $1)")
                .execute(Tuple.of(id))
                .map(this::toProfile);
    }

    /** The profile any of its identifiers finds, in one round trip. */
    public Uni<Optional<Profile>> find(Identifier identifier) {
        return pool.preparedQuery(SELECT_PROFILE + "(SELECT profile_id FROM identity WHERE type = $1 AND value = $2)")
                .execute(Tuple.of(identifier.getType().name(), identifier.getValue()))
                .map(this::toProfile);
    }

    private static final String SELECT_PROFILE = """
            SELECT p.id, p.create_time, p.update_time, p.version,
              (SELECT json_agg(json_build_array(i.type, i.value) ORDER BY i.create_time, i.type, i.value)
                 FROM identity i WHERE i.profile_id = p.id)::text AS identifiers,
              (SELECT json_object_agg(a.name, a.value ORDER BY a.name) FROM attribute_value a WHERE a.profile_id = p.id)::text AS attributes,
            """ + TraitRepository.COLUMNS + """
            FROM profile p WHERE p.id = """;

    /**
     * Locks the profile for a change and answers its id, or the id of the profile it was merged into (locked
     * instead); empty when there is no such profile.
     */
    public Uni<Optional<UUID>> lockForChange(SqlClient tx, UUID id) {
        return tx.preparedQuery("SELECT coalesce(merged_into, id) AS id FROM profile WHERE id = $1").execute(Tuple.of(id))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().item(Optional.<UUID>empty());
                    }
                    UUID current = rows.iterator().next().getUUID("id");
                    return tx.preparedQuery("SELECT id FROM profile WHERE id = $1 AND merged_into IS NULL FOR UPDATE").execute(Tuple.of(current))
                            .flatMap(locked -> locked.size() == 1 ? Uni.createFrom().item(Optional.of(current))
                                    : lockForChange(tx, id)); // merged meanwhile: follow it
                });
    }

    /** Starts the next version of a locked profile: records what changed and answers the version number. */
    public Uni<Long> newVersion(SqlClient tx, UUID id, OffsetDateTime time, String source, List<AttributeChange> changes) {
        String json = changes.stream().map(Json::print).collect(java.util.stream.Collectors.joining(",", "[", "]"));
        return tx.preparedQuery("UPDATE profile SET version = version + 1, update_time = $2 WHERE id = $1 RETURNING version")
                .execute(Tuple.of(id, time))
                .map(rows -> rows.iterator().next().getLong("version"))
                .call(version -> tx.preparedQuery("INSERT INTO profile_version (profile_id, version, change_time, source, changes) VALUES ($1, $2, $3, $4, $5::text::jsonb)")
                        .execute(Tuple.of(id, version, time, source, json)));
    }

    /** Newest first, starting below {@code beforeVersion}. */
    public Uni<List<ProfileVersion>> versions(UUID id, long beforeVersion, int size) {
        return pool.preparedQuery("""
                SELECT version, change_time, source, changes::text AS changes FROM profile_version
                WHERE profile_id = (SELECT coalesce(merged_into, id) FROM profile WHERE id = $1) AND version < $2
                ORDER BY version DESC LIMIT $3""")
                .execute(Tuple.of(id, beforeVersion, size))
                .map(rows -> {
                    List<ProfileVersion> versions = new ArrayList<>();
                    for (Row row : rows) {
                        ProfileVersion.Builder version = ProfileVersion.newBuilder()
                                .setProfileId(id.toString())
                                .setVersion(row.getLong("version"))
                                .setChangeTime(Envelopes.timestamp(row.getOffsetDateTime("change_time").toInstant()))
                                .setSource(row.getString("source"));
                        io.vertx.core.json.JsonArray changes = new io.vertx.core.json.JsonArray(row.getString("changes"));
                        for (int i = 0; i < changes.size(); i++) {
                            version.addChanges(Json.parse(changes.getJsonObject(i).encode(), AttributeChange.newBuilder()));
                        }
                        versions.add(version.build());
                    }
                    return versions;
                });
    }

    private Optional<Profile> toProfile(RowSet<Row> rows) {
        if (rows.size() == 0) {
            return Optional.empty();
        }
        Row row = rows.iterator().next();
        Profile.Builder profile = Profile.newBuilder()
                .setId(row.getUUID("id").toString())
                .setCreateTime(Envelopes.timestamp(row.getOffsetDateTime("create_time").toInstant()))
                .setUpdateTime(Envelopes.timestamp(row.getOffsetDateTime("update_time").toInstant()))
                .setVersion(row.getLong("version"));
        if (row.getString("identifiers") != null) {
            io.vertx.core.json.JsonArray identifiers = new io.vertx.core.json.JsonArray(row.getString("identifiers"));
            for (int i = 0; i < identifiers.size(); i++) {
                io.vertx.core.json.JsonArray pair = identifiers.getJsonArray(i);
                profile.addIdentifiers(Identifier.newBuilder().setType(Identifier.Type.valueOf(pair.getString(0))).setValue(pair.getString(1)));
            }
        }
        if (row.getString("attributes") != null) {
            profile.putAllAttributes(Json.parse(row.getString("attributes"), Struct.newBuilder()).getFieldsMap());
        }
        profile.setTraits(TraitRepository.complete(traits.toTraits(row), profile.getAttributesMap(), LocalDate.now(ZoneOffset.UTC)));
        return Optional.of(profile.build());
    }
}
