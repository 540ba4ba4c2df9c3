package dev.rapport.profile.timeline;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;

import dev.rapport.profile.event.EventRepository;
import dev.rapport.profile.profile.Json;
import dev.rapport.proto.profile.v1.TimelineEntry;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** What other services did with a profile (deliveries, conversations), and the timeline that joins it to the events. */
@ApplicationScoped
public class TimelineRepository {
    private final Pool pool;

    TimelineRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * Adds an entry once (its id), to the profile or the one it was merged into; answers the profile it landed on, or
     * empty when it was seen before or the profile does not exist (an erased person's history is not rebuilt). The
     * profile row is share-locked, so an erasure or a merge running meanwhile is either wholly before or after.
     */
    public Uni<Optional<UUID>> add(SqlClient tx, String id, UUID profile, String kind, Instant time, Struct details) {
        return tx.preparedQuery("""
                INSERT INTO timeline_entry (id, profile_id, kind, entry_time, summary)
                SELECT $1, coalesce(p.merged_into, p.id), $3, $4, $5::text::jsonb FROM profile p WHERE p.id = $2 FOR SHARE OF p
                ON CONFLICT (id) DO NOTHING RETURNING profile_id""")
                .execute(Tuple.from(List.of(id, profile, kind, OffsetDateTime.ofInstant(time, ZoneOffset.UTC), Json.print(details))))
                .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(rows.iterator().next().getUUID("profile_id")));
    }

    /** Every entry other services reported about a profile (deliveries, conversation steps), oldest first. */
    public io.smallrye.mutiny.Multi<TimelineEntry> entries(UUID profileId) {
        return pool.preparedQuery("""
                SELECT kind, id AS entry_id, entry_time, summary::text AS summary FROM timeline_entry
                WHERE profile_id = $1 ORDER BY entry_time, id""")
                .execute(Tuple.of(profileId))
                .onItem().transformToMulti(rows -> io.smallrye.mutiny.Multi.createFrom().iterable(rows))
                .map(TimelineRepository::toEntry);
    }

    /** Newest first across events and entries; the cursor is the (time, id) of the last entry of the previous page. */
    public Uni<List<TimelineEntry>> page(UUID profileId, Instant beforeTime, String beforeId, int size) {
        return pool.preparedQuery("""
                WITH target AS (SELECT coalesce((SELECT merged_into FROM profile WHERE id = $1), $1) AS id),
                     owners AS (SELECT id FROM target
                                UNION ALL SELECT merged_profile_id FROM profile_merge WHERE surviving_profile_id = (SELECT id FROM target) AND NOT events_moved)
                SELECT * FROM (
                  SELECT 'event' AS kind, event.id AS entry_id, occur_time AS entry_time, NULL::text AS summary,
                    event.id, event.profile_id, event.name, event.occur_time, event.receive_time, event.source, event.properties, event.context
                  FROM event WHERE profile_id IN (SELECT id FROM owners) AND (occur_time, event.id) < ($2, $3)
                  ORDER BY occur_time DESC, event.id DESC LIMIT $4) e
                UNION ALL
                SELECT * FROM (
                  SELECT t.kind, t.id, t.entry_time, t.summary::text,
                    NULL::text, NULL::uuid, NULL::text, NULL::timestamptz, NULL::timestamptz, NULL::text, NULL::jsonb, NULL::jsonb
                  FROM timeline_entry t WHERE t.profile_id = (SELECT id FROM target) AND (t.entry_time, t.id) < ($2, $3)
                  ORDER BY t.entry_time DESC, t.id DESC LIMIT $4) o
                ORDER BY entry_time DESC, entry_id DESC LIMIT $4""")
                .execute(Tuple.of(profileId, OffsetDateTime.ofInstant(beforeTime, ZoneOffset.UTC), beforeId, size))
                .map(rows -> {
                    List<TimelineEntry> entries = new ArrayList<>();
                    rows.forEach(row -> entries.add(toEntry(row)));
                    return entries;
                });
    }

    /** A row with kind, entry_id, entry_time and either summary or (kind "event") the event's columns. */
    private static TimelineEntry toEntry(Row row) {
        TimelineEntry.Builder entry = TimelineEntry.newBuilder().setId(row.getString("entry_id")).setKind(row.getString("kind"))
                .setTime(Envelopes.timestamp(row.getOffsetDateTime("entry_time").toInstant()));
        if ("event".equals(entry.getKind())) {
            entry.setEvent(EventRepository.toEvent(row));
        } else {
            entry.setDetails(Json.parse(row.getString("summary"), Struct.newBuilder()));
        }
        return entry.build();
    }
}
