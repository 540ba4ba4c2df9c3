package dev.rapport.segment.engagement;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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

    /**
     * Counts each event once, a whole batch in one transaction: the ids are claimed in one statement (an id seen
     * before, or twice in the batch, is claimed once) and every profile's engagement is updated in one more.
     */
    public Uni<Integer> count(List<Event> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        return pool.withTransaction(tx -> tx
                .preparedQuery("INSERT INTO counted_event (event_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING RETURNING event_id")
                .execute(Tuple.of(batch.stream().map(Event::getId).toArray(String[]::new)))
                .flatMap(claimed -> {
                    Set<String> fresh = new HashSet<>();
                    claimed.forEach(row -> fresh.add(row.getString(0)));
                    Map<String, Activity> byProfile = new LinkedHashMap<>();
                    for (Event event : batch) {
                        if (fresh.remove(event.getId())) { // the first occurrence of a newly claimed id
                            byProfile.merge(event.getProfileId(), Activity.of(event), Activity::plus);
                        }
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
                            .replaceWith(activity.stream().mapToInt(a -> (int) a.events()).sum());
                }));
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
