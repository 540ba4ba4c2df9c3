package dev.rapport.segment.engagement;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class EngagementRepository {
    private final Pool pool;

    EngagementRepository(Pool pool) {
        this.pool = pool;
    }

    /** Adds events newly stored by the projection (each counted once: the projection claimed their ids) to engagement. */
    public Uni<Integer> count(SqlClient tx, List<Event> fresh) {
        Map<String, Activity> byProfile = new LinkedHashMap<>();
        for (Event event : fresh) {
            byProfile.merge(event.getProfileId(), Activity.of(event), Activity::plus);
        }
        if (byProfile.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<Activity> activity = List.copyOf(byProfile.values());
        return tx.preparedQuery("""
                INSERT INTO engagement AS e (profile_id, event_count, first_seen_time, last_seen_time, last_event_name)
                SELECT * FROM unnest($1::uuid[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::text[])
                ON CONFLICT (profile_id) DO UPDATE SET
                  event_count = e.event_count + EXCLUDED.event_count,
                  first_seen_time = LEAST(e.first_seen_time, EXCLUDED.first_seen_time),
                  last_event_name = CASE WHEN EXCLUDED.last_seen_time >= e.last_seen_time
                                         THEN EXCLUDED.last_event_name ELSE e.last_event_name END,
                  last_seen_time = GREATEST(e.last_seen_time, EXCLUDED.last_seen_time)""")
                .execute(Tuple.tuple(List.of(
                        activity.stream().map(a -> UUID.fromString(a.profileId())).toArray(UUID[]::new),
                        activity.stream().map(Activity::events).toArray(Long[]::new),
                        activity.stream().map(a -> time(a.first())).toArray(OffsetDateTime[]::new),
                        activity.stream().map(a -> time(a.last())).toArray(OffsetDateTime[]::new),
                        activity.stream().map(Activity::lastName).toArray(String[]::new))))
                .replaceWith(fresh.size());
    }

    /** A merged profile's engagement joins the survivor's. */
    public Uni<Void> merge(SqlClient tx, UUID merged, UUID survivor) {
        return tx.preparedQuery("""
                WITH gone AS (DELETE FROM engagement WHERE profile_id = $1 RETURNING *)
                INSERT INTO engagement AS e (profile_id, event_count, first_seen_time, last_seen_time, last_event_name)
                SELECT $2, event_count, first_seen_time, last_seen_time, last_event_name FROM gone
                ON CONFLICT (profile_id) DO UPDATE SET
                  event_count = e.event_count + EXCLUDED.event_count,
                  first_seen_time = LEAST(e.first_seen_time, EXCLUDED.first_seen_time),
                  last_event_name = CASE WHEN EXCLUDED.last_seen_time >= e.last_seen_time
                                         THEN EXCLUDED.last_event_name ELSE e.last_event_name END,
                  last_seen_time = GREATEST(e.last_seen_time, EXCLUDED.last_seen_time)""")
                .execute(Tuple.of(merged, survivor)).replaceWithVoid();
    }

    /** What one batch adds to one profile's engagement. */
    private record Activity(String profileId, long events, Instant first, Instant last, String lastName) {
        static Activity of(Event event) {
            Instant at = Envelopes.instant(event.getOccurTime());
            return new Activity(event.getProfileId(), 1, at, at, event.getName());
        }

        Activity plus(Activity other) {
            boolean otherIsLater = !other.last.isBefore(last);
            return new Activity(profileId, events + other.events, first.isBefore(other.first) ? first : other.first,
                    otherIsLater ? other.last : last, otherIsLater ? other.lastName : lastName);
        }
    }

    private static OffsetDateTime time(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
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
