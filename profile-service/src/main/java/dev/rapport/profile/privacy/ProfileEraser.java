package dev.rapport.profile.privacy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.rapport.runtime.db.LockConflicts;
import dev.rapport.profile.profile.ProfileChanges;
import dev.rapport.profile.profile.ProfileRepository;
import dev.rapport.profile.trait.TraitRepository;
import dev.rapport.proto.privacy.v1.SubjectIdentifier;
import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Erases a profile completely — it and every profile merged into it: identifiers, attribute values, events, traits,
 * versions, merge records, support history and timeline — in one transaction, and announces the erasure on
 * {@code profile.changes} so that every consumer drops what it holds. Erasing what is gone erases nothing, without
 * error (a retried request must succeed).
 */
@ApplicationScoped
public class ProfileEraser {
    private static final Logger LOG = Logger.getLogger(ProfileEraser.class);
    /** profile_id tables, children before the profile itself. */
    private static final List<String> TABLES = List.of("identity", "attribute_value", "event", "profile_version", "support_conversation",
            "timeline_entry");
    /** Where an erasure check finds an identity row of another profile under one of the person's identifiers. */
    public static final String SAME_IDENTIFIER = "identity (same identifier, another profile)";

    private final Pool pool;
    private final TraitRepository traits;
    private final ProfileChanges changes;

    ProfileEraser(Pool pool, TraitRepository traits, ProfileChanges changes) {
        this.pool = pool;
        this.traits = traits;
        this.changes = changes;
    }

    /** Answers the number of rows removed. */
    public Uni<Long> erase(UUID profileId) {
        // Locks in the order ingestion takes them: the identifiers first (sorted), then the profiles.
        return pool.withTransaction(tx -> tx.preparedQuery("""
                WITH target AS (SELECT coalesce((SELECT merged_into FROM profile WHERE id = $1), $1) AS id)
                SELECT id FROM profile WHERE id = (SELECT id FROM target) OR merged_into = (SELECT id FROM target)""")
                .execute(Tuple.of(profileId))
                .flatMap(rows -> {
                    List<UUID> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getUUID("id")));
                    if (ids.isEmpty()) {
                        return Uni.createFrom().item(0L);
                    }
                    UUID[] all = ids.toArray(UUID[]::new);
                    return tx.preparedQuery("SELECT 1 FROM identity WHERE profile_id = ANY($1) ORDER BY type COLLATE \"C\", value COLLATE \"C\" FOR UPDATE")
                            .execute(Tuple.of((Object) all))
                            .flatMap(x -> tx.preparedQuery("SELECT id FROM profile WHERE id = ANY($1) ORDER BY id FOR UPDATE").execute(Tuple.of((Object) all)))
                            .flatMap(x -> eraseAll(tx, all));
                }))
                .onFailure(LockConflicts::isRetryable).retry().atMost(3)
                .invoke(erased -> LOG.infof("profile erased: %d rows", erased));
    }

    /**
     * What is still held about a profile — it, the profile it was merged into and every profile merged into that — in
     * every table {@link #erase} empties, plus identity rows of any other profile under one of the person's
     * identifiers (a profile created again under the same email): table -> rows, only tables holding some. Reads one
     * snapshot and changes nothing.
     */
    public Uni<Map<String, Long>> held(UUID profileId, List<SubjectIdentifier> identifiers) {
        List<String> counts = new ArrayList<>();
        counts.add("SELECT 'profile' AS held, count(*) AS n FROM profile WHERE id IN (SELECT id FROM ids) OR merged_into IN (SELECT id FROM ids)");
        for (String table : TABLES) {
            counts.add("SELECT '" + table + "', count(*) FROM " + table + " WHERE profile_id IN (SELECT id FROM ids)");
        }
        for (String table : TraitRepository.TABLES) {
            counts.add("SELECT '" + table + "', count(*) FROM " + table + " WHERE profile_id IN (SELECT id FROM ids)");
        }
        counts.add("SELECT 'profile_merge', count(*) FROM profile_merge "
                + "WHERE merged_profile_id IN (SELECT id FROM ids) OR surviving_profile_id IN (SELECT id FROM ids)");
        counts.add("SELECT '" + SAME_IDENTIFIER + "', count(*) FROM identity "
                + "WHERE (type, value) IN (SELECT * FROM unnest($2::text[], $3::text[])) AND profile_id NOT IN (SELECT id FROM ids)");
        return pool.preparedQuery("""
                WITH target AS (SELECT coalesce((SELECT merged_into FROM profile WHERE id = $1), $1) AS id),
                ids AS (SELECT $1::uuid AS id UNION SELECT id FROM target
                        UNION SELECT id FROM profile WHERE merged_into = (SELECT id FROM target)
                        UNION SELECT merged_profile_id FROM profile_merge WHERE surviving_profile_id = (SELECT id FROM target))
                """ + String.join("\nUNION ALL ", counts))
                .execute(Tuple.of(profileId, identifiers.stream().map(SubjectIdentifier::getType).toArray(String[]::new),
                        identifiers.stream().map(SubjectIdentifier::getValue).toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Long> held = new LinkedHashMap<>();
                    rows.forEach(row -> {
                        if (row.getLong("n") > 0) {
                            held.put(row.getString("held"), row.getLong("n"));
                        }
                    });
                    return held;
                });
    }

    private Uni<Long> eraseAll(SqlClient tx, UUID[] ids) {
        Uni<Long> erased = Uni.createFrom().item(0L);
        for (String table : TABLES) {
            erased = erased.flatMap(sum -> tx.preparedQuery("DELETE FROM " + table + " WHERE profile_id = ANY($1)").execute(Tuple.of((Object) ids))
                    .map(rows -> sum + rows.rowCount()));
        }
        return erased
                .flatMap(sum -> traits.erase(tx, ids).map(more -> sum + more))
                .flatMap(sum -> tx.preparedQuery("DELETE FROM profile_merge WHERE merged_profile_id = ANY($1) OR surviving_profile_id = ANY($1)")
                        .execute(Tuple.of((Object) ids)).map(rows -> sum + rows.rowCount()))
                .flatMap(sum -> tx.preparedQuery("DELETE FROM profile WHERE id = ANY($1) RETURNING id, version").execute(Tuple.of((Object) ids))
                        .flatMap(rows -> {
                            List<Uni<Void>> announced = new ArrayList<>();
                            rows.forEach(row -> announced.add(changes.publish(ProfileChanged.newBuilder()
                                    .setProfileId(row.getUUID("id").toString()).setVersion(row.getLong("version") + 1).setErased(true)
                                    .setChangeTime(Envelopes.timestamp(java.time.Instant.now())).setSource("privacy.dsr"))));
                            return Uni.join().all(announced).andFailFast().replaceWith(sum + rows.rowCount());
                        }));
    }
}
