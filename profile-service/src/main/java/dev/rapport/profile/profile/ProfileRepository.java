package dev.rapport.profile.profile;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class ProfileRepository {
    private final Pool pool;

    ProfileRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * The profile each identifier finds, created with it when none does. One statement claims every identifier, so
     * concurrent batches agree on one profile per identifier.
     */
    public Uni<Map<Identifier, UUID>> findOrCreateAll(SqlClient tx, Collection<Identifier> identifiers) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        List<Identifier> distinct = List.copyOf(new LinkedHashSet<>(identifiers));
        Map<Identifier, UUID> candidates = new HashMap<>();
        distinct.forEach(identifier -> candidates.put(identifier, UUID.randomUUID()));
        return tx.preparedQuery("""
                INSERT INTO identity (type, value, profile_id, create_time)
                SELECT t, v, p, $4 FROM unnest($1::text[], $2::text[], $3::uuid[]) AS claimed (t, v, p)
                ON CONFLICT (type, value) DO UPDATE SET type = EXCLUDED.type
                RETURNING type, value, profile_id""")
                .execute(Tuple.of(
                        distinct.stream().map(i -> i.getType().name()).toArray(String[]::new),
                        distinct.stream().map(Identifier::getValue).toArray(String[]::new),
                        distinct.stream().map(candidates::get).toArray(UUID[]::new),
                        now))
                .flatMap(rows -> {
                    Map<Identifier, UUID> found = new HashMap<>();
                    List<UUID> created = new ArrayList<>();
                    List<UUID> existing = new ArrayList<>();
                    for (Row row : rows) {
                        Identifier identifier = Identifier.newBuilder().setType(Identifier.Type.valueOf(row.getString("type")))
                                .setValue(row.getString("value")).build();
                        UUID profileId = row.getUUID("profile_id");
                        found.put(identifier, profileId);
                        (profileId.equals(candidates.get(identifier)) ? created : existing).add(profileId);
                    }
                    Uni<?> create = created.isEmpty() ? Uni.createFrom().voidItem()
                            : tx.preparedQuery("INSERT INTO profile (id, create_time, update_time) SELECT unnest($1::uuid[]), $2, $2")
                                    .execute(Tuple.of(created.toArray(UUID[]::new), now));
                    Uni<?> touch = existing.isEmpty() ? Uni.createFrom().voidItem()
                            : tx.preparedQuery("UPDATE profile SET update_time = $2 WHERE id = ANY($1)")
                                    .execute(Tuple.of(existing.stream().distinct().sorted().toArray(UUID[]::new), now));
                    return create.flatMap(x -> touch).replaceWith(found);
                });
    }

    public Uni<Optional<Profile>> find(UUID id) {
        return pool.preparedQuery("""
                SELECT p.id, p.create_time, p.update_time, i.type, i.value
                FROM profile p LEFT JOIN identity i ON i.profile_id = p.id
                WHERE p.id = $1 ORDER BY i.create_time""")
                .execute(Tuple.of(id))
                .map(ProfileRepository::toProfile);
    }

    /** The profile any of its identifiers finds, in one round trip. */
    public Uni<Optional<Profile>> find(Identifier identifier) {
        return pool.preparedQuery("""
                SELECT p.id, p.create_time, p.update_time, i.type, i.value
                FROM profile p LEFT JOIN identity i ON i.profile_id = p.id
                WHERE p.id = (SELECT profile_id FROM identity WHERE type = $1 AND value = $2) ORDER BY i.create_time""")
                .execute(Tuple.of(identifier.getType().name(), identifier.getValue()))
                .map(ProfileRepository::toProfile);
    }

    private static Optional<Profile> toProfile(RowSet<Row> rows) {
        Profile.Builder profile = null;
        List<Identifier> identifiers = new ArrayList<>();
        for (Row row : rows) {
            if (profile == null) {
                profile = Profile.newBuilder()
                        .setId(row.getUUID("id").toString())
                        .setCreateTime(Envelopes.timestamp(row.getOffsetDateTime("create_time").toInstant()))
                        .setUpdateTime(Envelopes.timestamp(row.getOffsetDateTime("update_time").toInstant()));
            }
            if (row.getString("type") != null) {
                identifiers.add(Identifier.newBuilder()
                        .setType(Identifier.Type.valueOf(row.getString("type")))
                        .setValue(row.getString("value")).build());
            }
        }
        return Optional.ofNullable(profile).map(p -> p.addAllIdentifiers(identifiers).build());
    }
}
