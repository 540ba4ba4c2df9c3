package dev.rapport.segment.privacy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.runtime.db.LockConflicts;
import dev.rapport.segment.projection.Projection;
import dev.rapport.segment.segment.Memberships;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Erases what segment-service holds about a profile: it leaves every segment (announced as exits), and its projection
 * row, events, engagement, RFM scores, consent copy and merge pointers go. Only the bare erased id stays, so that its
 * late events and re-read changes are dropped. One path for an erased profile on profile.changes and for an erasure
 * request on privacy.dsr; erasing what is gone erases nothing.
 */
@ApplicationScoped
public class ProfileEraser {
    private final Pool pool;
    private final Projection projection;
    private final Memberships memberships;

    ProfileEraser(Pool pool, Projection projection, Memberships memberships) {
        this.pool = pool;
        this.projection = projection;
        this.memberships = memberships;
    }

    /** What a person's profiles still hold, table -> rows (only tables holding some), and the erased ids kept. */
    public record Held(Map<String, Long> tables, long erasedIds) {
        public long total() {
            return tables.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Erases one profile inside the caller's transaction. */
    public Uni<Void> erase(SqlClient tx, UUID profile) {
        return projection.lock(tx, profile)
                .flatMap(x -> memberships.removeProfile(tx, profile))
                .flatMap(x -> projection.erase(tx, profile));
    }

    /**
     * Erases a person — the profile, the one it was merged into and every profile merged into that — in one
     * transaction; answers how many records were held.
     */
    public Uni<Long> erase(UUID subject) {
        return pool.withTransaction(tx -> profiles(tx, subject).flatMap(ids -> held(tx, ids).flatMap(held -> {
                    // Locked in the order event batches lock them, before any is touched.
                    Uni<?> erased = tx.preparedQuery("SELECT profile_id FROM profile WHERE profile_id = ANY($1) ORDER BY profile_id FOR UPDATE")
                            .execute(Tuple.of(ids.toArray(UUID[]::new)));
                    for (UUID id : ids) {
                        erased = erased.flatMap(x -> erase(tx, id));
                    }
                    return erased.replaceWith(held.total());
                })))
                .onFailure(LockConflicts::isRetryable).retry().atMost(5);
    }

    /** What is still held about a person (their profiles as {@link #erase(UUID)} finds them). Changes nothing. */
    public Uni<Held> held(UUID subject) {
        return profiles(pool, subject).flatMap(ids -> held(pool, ids));
    }

    private static Uni<List<UUID>> profiles(SqlClient client, UUID subject) {
        return client.preparedQuery("""
                WITH target AS (SELECT coalesce((SELECT survivor_id FROM merged_profile WHERE profile_id = $1), $1) AS id)
                SELECT $1::uuid AS id UNION SELECT id FROM target
                UNION SELECT profile_id FROM merged_profile WHERE survivor_id = (SELECT id FROM target)""")
                .execute(Tuple.of(subject))
                .map(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getUUID("id")));
                    return ids.stream().sorted().toList();
                });
    }

    private static Uni<Held> held(SqlClient client, List<UUID> ids) {
        return client.preparedQuery("""
                SELECT 'profile' AS held, count(*) AS n FROM profile WHERE profile_id = ANY($1)
                UNION ALL SELECT 'event', count(*) FROM event WHERE profile_id = ANY($1)
                UNION ALL SELECT 'membership', count(*) FROM membership WHERE profile_id = ANY($1)
                UNION ALL SELECT 'rfm_score', count(*) FROM rfm_score WHERE profile_id = ANY($1)
                UNION ALL SELECT 'engagement', count(*) FROM engagement WHERE profile_id = ANY($1)
                UNION ALL SELECT 'consent', count(*) FROM consent WHERE subject = ANY($2)
                UNION ALL SELECT 'merged_profile', count(*) FROM merged_profile WHERE profile_id = ANY($1) OR survivor_id = ANY($1)
                UNION ALL SELECT 'erased_profile', count(*) FROM erased_profile WHERE profile_id = ANY($1)""")
                .execute(Tuple.of(ids.toArray(UUID[]::new), ids.stream().map(UUID::toString).toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Long> tables = new LinkedHashMap<>();
                    long[] erased = new long[1];
                    rows.forEach(row -> {
                        if (row.getString("held").equals("erased_profile")) {
                            erased[0] = row.getLong("n");
                        } else if (row.getLong("n") > 0) {
                            tables.put(row.getString("held"), row.getLong("n"));
                        }
                    });
                    return new Held(tables, erased[0]);
                });
    }
}
