package dev.rapport.profile.profile;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class ProfileRepository {
    private final Pool pool;

    ProfileRepository(Pool pool) {
        this.pool = pool;
    }

    /** The profile the identifier finds, created with it when none does. One statement decides, even under races. */
    public Uni<UUID> findOrCreate(SqlClient tx, Identifier identifier) {
        UUID candidate = UUID.randomUUID();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return tx.preparedQuery("""
                INSERT INTO identity (type, value, profile_id, create_time) VALUES ($1, $2, $3, $4)
                ON CONFLICT (type, value) DO UPDATE SET type = EXCLUDED.type
                RETURNING profile_id""")
                .execute(Tuple.of(identifier.getType().name(), identifier.getValue(), candidate, now))
                .map(rows -> rows.iterator().next().getUUID("profile_id"))
                .call(id -> id.equals(candidate)
                        ? tx.preparedQuery("INSERT INTO profile (id, create_time, update_time) VALUES ($1, $2, $2)")
                                .execute(Tuple.of(id, now))
                        : tx.preparedQuery("UPDATE profile SET update_time = $2 WHERE id = $1").execute(Tuple.of(id, now)));
    }

    public Uni<Optional<Profile>> find(UUID id) {
        return pool.preparedQuery("""
                SELECT p.id, p.create_time, p.update_time, i.type, i.value
                FROM profile p LEFT JOIN identity i ON i.profile_id = p.id
                WHERE p.id = $1 ORDER BY i.create_time""")
                .execute(Tuple.of(id))
                .map(rows -> {
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
                });
    }
}
