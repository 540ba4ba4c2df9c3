package dev.rapport.profile.event;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;

import dev.rapport.profile.profile.Json;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.EventContext;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

@ApplicationScoped
public class EventRepository {
    private final Pool pool;

    EventRepository(Pool pool) {
        this.pool = pool;
    }

    /** Stores the events whose ids are not stored yet; returns the ids stored now. */
    public Uni<Set<String>> insertAbsent(SqlClient tx, List<Event> batch) {
        return tx.preparedQuery("""
                INSERT INTO event (id, profile_id, name, occur_time, receive_time, source, properties, context)
                SELECT i, p, n, o, r, s, props::jsonb, ctx::jsonb
                FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[])
                  AS e (i, p, n, o, r, s, props, ctx)
                ON CONFLICT (id) DO NOTHING
                RETURNING id""")
                .execute(Tuple.tuple(List.of(
                        batch.stream().map(Event::getId).toArray(String[]::new),
                        batch.stream().map(e -> UUID.fromString(e.getProfileId())).toArray(UUID[]::new),
                        batch.stream().map(Event::getName).toArray(String[]::new),
                        batch.stream().map(e -> time(e.getOccurTime())).toArray(OffsetDateTime[]::new),
                        batch.stream().map(e -> time(e.getReceiveTime())).toArray(OffsetDateTime[]::new),
                        batch.stream().map(Event::getSource).toArray(String[]::new),
                        batch.stream().map(e -> Json.print(e.getProperties())).toArray(String[]::new),
                        batch.stream().map(e -> e.hasContext() ? Json.print(e.getContext()) : null).toArray(String[]::new))))
                .map(rows -> {
                    Set<String> stored = new HashSet<>();
                    rows.forEach(row -> stored.add(row.getString(0)));
                    return stored;
                });
    }

    /** The profile each already-stored event belongs to. */
    public Uni<Map<String, String>> profilesOf(SqlClient tx, Collection<String> eventIds) {
        return tx.preparedQuery("SELECT id, profile_id FROM event WHERE id = ANY($1)")
                .execute(Tuple.of(eventIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, String> profiles = new HashMap<>();
                    rows.forEach(row -> profiles.put(row.getString("id"), row.getUUID("profile_id").toString()));
                    return profiles;
                });
    }

    /**
     * Newest first; the cursor is the (occur_time, id) of the last event of the previous page. A merged profile's id
     * reads the survivor's events, and the survivor's include those of merged profiles still being moved.
     */
    public Uni<List<Event>> page(UUID profileId, Instant beforeTime, String beforeId, int size) {
        return pool.preparedQuery("""
                WITH target AS (SELECT coalesce((SELECT merged_into FROM profile WHERE id = $1), $1) AS id)
                SELECT event.*, (SELECT id FROM target) AS target_id FROM event
                WHERE profile_id IN (SELECT id FROM target
                                     UNION ALL SELECT merged_profile_id FROM profile_merge WHERE surviving_profile_id = (SELECT id FROM target) AND NOT events_moved)
                  AND (occur_time, id) < ($2, $3)
                ORDER BY occur_time DESC, id DESC LIMIT $4""")
                .execute(Tuple.of(profileId, OffsetDateTime.ofInstant(beforeTime, ZoneOffset.UTC), beforeId, size))
                .map(rows -> {
                    java.util.ArrayList<Event> events = new java.util.ArrayList<>();
                    rows.forEach(row -> events.add(toEvent(row).toBuilder().setProfileId(row.getUUID("target_id").toString()).build()));
                    return events;
                });
    }

    public static Event toEvent(Row row) {
        Event.Builder event = Event.newBuilder()
                .setId(row.getString("id"))
                .setProfileId(row.getUUID("profile_id").toString())
                .setName(row.getString("name"))
                .setOccurTime(Envelopes.timestamp(row.getOffsetDateTime("occur_time").toInstant()))
                .setReceiveTime(Envelopes.timestamp(row.getOffsetDateTime("receive_time").toInstant()))
                .setSource(row.getString("source"))
                .setProperties(Json.parse(row.getJsonObject("properties").encode(), Struct.newBuilder()));
        if (row.getValue("context") != null) {
            event.setContext(Json.parse(row.getJsonObject("context").encode(), EventContext.newBuilder()));
        }
        return event.build();
    }

    private static OffsetDateTime time(com.google.protobuf.Timestamp timestamp) {
        return OffsetDateTime.ofInstant(Envelopes.instant(timestamp), ZoneOffset.UTC);
    }
}
