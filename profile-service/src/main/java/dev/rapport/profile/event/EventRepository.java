package dev.rapport.profile.event;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonObject;
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

    /** Stores the event unless one with its id exists; true when it was stored now. */
    public Uni<Boolean> insertIfAbsent(SqlClient tx, Event event) {
        return tx.preparedQuery("""
                INSERT INTO event (id, profile_id, name, occur_time, receive_time, source, properties)
                VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING""")
                .execute(Tuple.from(List.of(event.getId(), UUID.fromString(event.getProfileId()), event.getName(),
                        time(event.getOccurTime()), time(event.getReceiveTime()), event.getSource(),
                        new JsonObject(json(event.getProperties())))))
                .map(result -> result.rowCount() == 1);
    }

    public Uni<Event> find(SqlClient client, String id) {
        return client.preparedQuery("SELECT * FROM event WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> rows.iterator().hasNext() ? toEvent(rows.iterator().next()) : null);
    }

    /** Newest first; the cursor is the (occur_time, id) of the last event of the previous page. */
    public Uni<List<Event>> page(UUID profileId, Instant beforeTime, String beforeId, int size) {
        return pool.preparedQuery("""
                SELECT * FROM event WHERE profile_id = $1 AND (occur_time, id) < ($2, $3)
                ORDER BY occur_time DESC, id DESC LIMIT $4""")
                .execute(Tuple.of(profileId, OffsetDateTime.ofInstant(beforeTime, ZoneOffset.UTC), beforeId, size))
                .map(rows -> {
                    java.util.ArrayList<Event> events = new java.util.ArrayList<>();
                    rows.forEach(row -> events.add(toEvent(row)));
                    return events;
                });
    }

    private static Event toEvent(Row row) {
        Struct.Builder properties = Struct.newBuilder();
        try {
            JsonFormat.parser().merge(row.getJsonObject("properties").encode(), properties);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored event properties are not a JSON object", e);
        }
        return Event.newBuilder()
                .setId(row.getString("id"))
                .setProfileId(row.getUUID("profile_id").toString())
                .setName(row.getString("name"))
                .setOccurTime(Envelopes.timestamp(row.getOffsetDateTime("occur_time").toInstant()))
                .setReceiveTime(Envelopes.timestamp(row.getOffsetDateTime("receive_time").toInstant()))
                .setSource(row.getString("source"))
                .setProperties(properties)
                .build();
    }

    private static OffsetDateTime time(com.google.protobuf.Timestamp timestamp) {
        return OffsetDateTime.ofInstant(Envelopes.instant(timestamp), ZoneOffset.UTC);
    }

    static String json(Struct struct) {
        try {
            return JsonFormat.printer().omittingInsignificantWhitespace().print(struct);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
