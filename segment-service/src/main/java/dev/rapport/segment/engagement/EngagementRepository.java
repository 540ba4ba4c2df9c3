package dev.rapport.segment.engagement;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class EngagementRepository {
    private final Pool pool;

    EngagementRepository(Pool pool) {
        this.pool = pool;
    }

    /** Counts the event once: its id is claimed and the profile's engagement updated in one transaction. */
    public Uni<Boolean> count(Event event) {
        OffsetDateTime at = OffsetDateTime.ofInstant(Envelopes.instant(event.getOccurTime()), ZoneOffset.UTC);
        return pool.withTransaction(tx -> tx
                .preparedQuery("INSERT INTO counted_event (event_id) VALUES ($1) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(event.getId()))
                .flatMap(claimed -> claimed.rowCount() == 0
                        ? Uni.createFrom().item(false)
                        : tx.preparedQuery("""
                                INSERT INTO engagement AS e (profile_id, event_count, first_seen_time, last_seen_time, last_event_name)
                                VALUES ($1, 1, $2, $2, $3)
                                ON CONFLICT (profile_id) DO UPDATE SET
                                  event_count = e.event_count + 1,
                                  first_seen_time = LEAST(e.first_seen_time, EXCLUDED.first_seen_time),
                                  last_event_name = CASE WHEN EXCLUDED.last_seen_time >= e.last_seen_time
                                                         THEN EXCLUDED.last_event_name ELSE e.last_event_name END,
                                  last_seen_time = GREATEST(e.last_seen_time, EXCLUDED.last_seen_time)""")
                                .execute(Tuple.of(UUID.fromString(event.getProfileId()), at, event.getName()))
                                .replaceWith(true)));
    }

    public Uni<Optional<Engagement>> find(UUID profileId) {
        return pool.preparedQuery("SELECT * FROM engagement WHERE profile_id = $1").execute(Tuple.of(profileId))
                .map(rows -> rows.iterator().hasNext() ? Optional.of(toEngagement(rows.iterator().next())) : Optional.empty());
    }

    private static Engagement toEngagement(Row row) {
        return Engagement.newBuilder()
                .setProfileId(row.getUUID("profile_id").toString())
                .setEventCount(row.getLong("event_count"))
                .setFirstSeenTime(Envelopes.timestamp(row.getOffsetDateTime("first_seen_time").toInstant()))
                .setLastSeenTime(Envelopes.timestamp(row.getOffsetDateTime("last_seen_time").toInstant()))
                .setLastEventName(row.getString("last_event_name"))
                .build();
    }
}
