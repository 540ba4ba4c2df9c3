package dev.rapport.segment.projection;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rapport.proto.profile.v1.AttributeChange;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.segment.evaluation.EventHistory;
import dev.rapport.segment.evaluation.Facts;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * This service's copy of what segments are evaluated on: profiles' attributes, their events, their consent. Each
 * write is idempotent (event ids, profile versions, consent versions), so a record read twice changes nothing.
 */
@ApplicationScoped
public class Projection {

    /** What a batch of events changed: per profile, the names of the events newly stored. */
    public record StoredEvents(Map<UUID, Set<String>> namesByProfile, List<Event> fresh) {
    }

    /**
     * Stores the events not stored before (under the surviving profile when theirs was merged) and makes sure each
     * profile has a row.
     */
    public Uni<StoredEvents> recordEvents(SqlClient tx, List<Event> batch) {
        if (batch.isEmpty()) {
            return Uni.createFrom().item(new StoredEvents(Map.of(), List.of()));
        }
        Set<UUID> named = new HashSet<>();
        batch.forEach(e -> named.add(UUID.fromString(e.getProfileId())));
        return owners(tx, named, 0)
                .flatMap(owner -> {
                    Map<String, Event> byId = new LinkedHashMap<>();
                    for (Event e : batch) {
                        UUID holder = owner.get(UUID.fromString(e.getProfileId()));
                        if (holder != null) { // null: erased, the event is dropped
                            byId.putIfAbsent(e.getId(), e.toBuilder().setProfileId(holder.toString()).build());
                        }
                    }
                    List<Event> events = List.copyOf(byId.values());
                    if (events.isEmpty()) {
                        return Uni.createFrom().item(new StoredEvents(Map.of(), List.of()));
                    }
                    return tx.preparedQuery("""
                            INSERT INTO event (event_id, profile_id, name, occur_time, properties)
                            SELECT id, profile, name, at, properties::jsonb
                            FROM unnest($1::text[], $2::uuid[], $3::text[], $4::timestamptz[], $5::text[]) AS x(id, profile, name, at, properties)
                            ON CONFLICT (event_id) DO NOTHING RETURNING event_id""")
                            .execute(Tuple.tuple(List.of(
                                    events.stream().map(Event::getId).toArray(String[]::new),
                                    events.stream().map(e -> UUID.fromString(e.getProfileId())).toArray(UUID[]::new),
                                    events.stream().map(Event::getName).toArray(String[]::new),
                                    events.stream().map(e -> time(e)).toArray(OffsetDateTime[]::new),
                                    events.stream().map(e -> StoredJson.print(e.getProperties())).toArray(String[]::new))))
                            .flatMap(claimed -> {
                                Set<String> fresh = new HashSet<>();
                                claimed.forEach(r -> fresh.add(r.getString(0)));
                                Map<UUID, Set<String>> names = new LinkedHashMap<>();
                                List<Event> stored = new ArrayList<>();
                                for (Event e : events) {
                                    if (fresh.contains(e.getId())) {
                                        stored.add(e);
                                        names.computeIfAbsent(UUID.fromString(e.getProfileId()), k -> new HashSet<>()).add(e.getName());
                                    }
                                }
                                return Uni.createFrom().item(new StoredEvents(names, stored));
                            });
                });
    }

    /**
     * Who holds each named profile's events now — itself, the profile it was merged into, or no one (erased) — with
     * every holder's row locked (sorted) before anything is stored: a merge or erasure of the same profile, which
     * locks it first too, happens wholly before or wholly after.
     */
    private Uni<Map<UUID, UUID>> owners(SqlClient tx, Set<UUID> named, int attempt) {
        UUID[] ids = named.toArray(UUID[]::new);
        return tx.preparedQuery("""
                SELECT n.id, CASE WHEN EXISTS (SELECT 1 FROM erased_profile x WHERE x.profile_id = COALESCE(m.survivor_id, n.id))
                                  THEN NULL ELSE COALESCE(m.survivor_id, n.id) END AS owner
                FROM unnest($1::uuid[]) AS n(id) LEFT JOIN merged_profile m ON m.profile_id = n.id""").execute(Tuple.of(ids))
                .flatMap(rows -> {
                    Map<UUID, UUID> owner = new HashMap<>();
                    rows.forEach(r -> owner.put(r.getUUID("id"), r.getUUID("owner")));
                    Set<UUID> holders = new HashSet<>(owner.values());
                    holders.remove(null);
                    return ensureProfiles(tx, holders)
                            .flatMap(x -> tx.preparedQuery("SELECT profile_id FROM profile WHERE profile_id = ANY($1) ORDER BY profile_id FOR UPDATE")
                                    .execute(Tuple.of(holders.toArray(UUID[]::new))))
                            // Under the locks: did a merge or erasure of a holder commit meanwhile?
                            .flatMap(x -> tx.preparedQuery("""
                                    SELECT profile_id FROM merged_profile WHERE profile_id = ANY($1)
                                    UNION SELECT profile_id FROM erased_profile WHERE profile_id = ANY($1)""")
                                    .execute(Tuple.of(holders.toArray(UUID[]::new))))
                            .flatMap(gone -> {
                                if (gone.size() == 0) {
                                    return Uni.createFrom().item(owner);
                                }
                                List<UUID> stale = new ArrayList<>();
                                gone.forEach(r -> stale.add(r.getUUID("profile_id")));
                                // A row made for a profile that was merged or erased meanwhile is not kept.
                                return tx.preparedQuery("DELETE FROM profile WHERE profile_id = ANY($1)").execute(Tuple.of(stale.toArray(UUID[]::new)))
                                        .flatMap(y -> attempt < 3 ? owners(tx, named, attempt + 1)
                                                : Uni.createFrom().failure(new IllegalStateException("profiles keep merging under this batch")));
                            });
                });
    }

    private static OffsetDateTime time(Event e) {
        return OffsetDateTime.ofInstant(Envelopes.instant(e.getOccurTime()), ZoneOffset.UTC);
    }

    public Uni<Void> ensureProfiles(SqlClient tx, Set<UUID> profiles) {
        if (profiles.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.preparedQuery("INSERT INTO profile (profile_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(profiles.toArray(UUID[]::new))).replaceWithVoid();
    }

    /**
     * Applies a profile's attribute changes unless this version (or a newer one) was applied; answers the names of
     * the attributes that changed (empty when nothing did).
     */
    public Uni<Set<String>> applyAttributes(SqlClient tx, ProfileChanged change) {
        UUID profile = UUID.fromString(change.getProfileId());
        ObjectNode set = StoredJson.mapper().createObjectNode();
        List<String> removed = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (AttributeChange c : change.getChangesList()) {
            names.add(c.getAttribute());
            if (!c.hasNewValue() || c.getNewValue().hasNullValue()) {
                removed.add(c.getAttribute());
                set.remove(c.getAttribute());
            } else {
                set.set(c.getAttribute(), StoredJson.read(StoredJson.print(c.getNewValue())));
                removed.remove(c.getAttribute());
            }
        }
        return tx.preparedQuery("""
                INSERT INTO profile AS p (profile_id, version, attributes)
                SELECT $1, $2, ($3::text)::jsonb
                WHERE NOT EXISTS (SELECT 1 FROM erased_profile WHERE profile_id = $1)
                  AND NOT EXISTS (SELECT 1 FROM merged_profile WHERE profile_id = $1)
                ON CONFLICT (profile_id) DO UPDATE SET version = EXCLUDED.version,
                  attributes = (p.attributes - ($4::text[])) || EXCLUDED.attributes
                WHERE p.version < EXCLUDED.version
                RETURNING profile_id""")
                .execute(Tuple.of(profile, change.getVersion(), StoredJson.write(set), removed.toArray(String[]::new)))
                .map(rows -> rows.size() == 0 ? Set.of() : names);
    }

    /**
     * The profile a merge's survivor resolves to now (it may itself have been merged since), with both rows locked in
     * order, as event batches lock them.
     */
    public Uni<UUID> lockForMerge(SqlClient tx, UUID merged, UUID survivor) {
        return tx.preparedQuery("SELECT COALESCE((SELECT survivor_id FROM merged_profile WHERE profile_id = $1), $1) AS survivor")
                .execute(Tuple.of(survivor)).map(rows -> rows.iterator().next().getUUID("survivor"))
                .flatMap(resolved -> ensureProfiles(tx, Set.of(resolved))
                        .flatMap(x -> tx.preparedQuery("SELECT profile_id FROM profile WHERE profile_id = ANY($1) ORDER BY profile_id FOR UPDATE")
                                .execute(Tuple.of(new UUID[] {merged, resolved})))
                        .replaceWith(resolved));
    }

    /** Locks a profile's row (if it has one) before it is erased. */
    public Uni<Void> lock(SqlClient tx, UUID profile) {
        return lock(tx, Set.of(profile));
    }

    /** Locks the rows the profiles have, in order (as every writer of several profiles does: no lock cycle). */
    public Uni<Void> lock(SqlClient tx, Set<UUID> profiles) {
        return tx.preparedQuery("SELECT profile_id FROM profile WHERE profile_id = ANY($1) ORDER BY profile_id FOR UPDATE")
                .execute(Tuple.of(profiles.toArray(UUID[]::new))).replaceWithVoid();
    }

    /** A merged profile's events and rows move to the survivor; its later events go there too. */
    public Uni<Void> merge(SqlClient tx, UUID merged, UUID survivor) {
        return tx.preparedQuery("UPDATE merged_profile SET survivor_id = $2 WHERE survivor_id = $1").execute(Tuple.of(merged, survivor))
                .flatMap(x -> tx.preparedQuery("""
                        INSERT INTO merged_profile (profile_id, survivor_id) VALUES ($1, $2)
                        ON CONFLICT (profile_id) DO UPDATE SET survivor_id = EXCLUDED.survivor_id""").execute(Tuple.of(merged, survivor)))
                .flatMap(x -> tx.preparedQuery("UPDATE event SET profile_id = $2 WHERE profile_id = $1").execute(Tuple.of(merged, survivor)))
                .flatMap(x -> ensureProfiles(tx, Set.of(survivor)))
                .flatMap(x -> tx.preparedQuery("DELETE FROM profile WHERE profile_id = $1").execute(Tuple.of(merged)))
                .replaceWithVoid();
    }

    /** Nothing of an erased profile stays. */
    public Uni<Void> erase(SqlClient tx, UUID profile) {
        return tx.preparedQuery("DELETE FROM event WHERE profile_id = $1").execute(Tuple.of(profile))
                .flatMap(x -> tx.preparedQuery("DELETE FROM profile WHERE profile_id = $1").execute(Tuple.of(profile)))
                .flatMap(x -> tx.preparedQuery("DELETE FROM engagement WHERE profile_id = $1").execute(Tuple.of(profile)))
                .flatMap(x -> tx.preparedQuery("DELETE FROM merged_profile WHERE profile_id = $1 OR survivor_id = $1").execute(Tuple.of(profile)))
                .flatMap(x -> tx.preparedQuery("DELETE FROM consent WHERE subject = $1").execute(Tuple.of(profile.toString())))
                .flatMap(x -> tx.preparedQuery("DELETE FROM rfm_score WHERE profile_id = $1").execute(Tuple.of(profile)))
                .flatMap(x -> tx.preparedQuery("INSERT INTO erased_profile (profile_id) VALUES ($1) ON CONFLICT DO NOTHING").execute(Tuple.of(profile)))
                .replaceWithVoid();
    }

    /** The person's whole consent state, unless a newer one is held; true when it was applied. */
    public Uni<Boolean> applyConsent(SqlClient tx, String subject, long version, JsonNode decisions) {
        return tx.preparedQuery("""
                INSERT INTO consent AS c (subject, version, decisions) VALUES ($1, $2, ($3::text)::jsonb)
                ON CONFLICT (subject) DO UPDATE SET version = EXCLUDED.version, decisions = EXCLUDED.decisions
                WHERE c.version < EXCLUDED.version RETURNING subject""")
                .execute(Tuple.of(subject, version, StoredJson.write(decisions)))
                .map(rows -> rows.size() > 0);
    }

    public Uni<Boolean> forgetConsent(SqlClient tx, String subject) {
        return tx.preparedQuery("DELETE FROM consent WHERE subject = $1 RETURNING subject").execute(Tuple.of(subject))
                .map(rows -> rows.size() > 0);
    }

    /**
     * Locks the profiles (sorted, so concurrent evaluations of one profile take turns and never deadlock) and reads
     * what the evaluator needs but their events: attributes, consent, RFM scores ({@link #withEvents} adds those).
     */
    public Uni<Map<UUID, Facts>> lockAndRead(SqlClient tx, Set<UUID> profiles) {
        return profiles(tx, profiles, true);
    }

    /** What the evaluator needs of some profiles, their whole history too, without locking them (explanations). */
    public Uni<Map<UUID, Facts>> read(SqlClient client, Set<UUID> profiles) {
        return read(client, profiles, EventHistory.ALL);
    }

    /** What the evaluator needs of some profiles, with this part of their event history, without locking them. */
    public Uni<Map<UUID, Facts>> read(SqlClient client, Set<UUID> profiles, EventHistory history) {
        return profiles(client, profiles, false).flatMap(facts -> withEvents(client, facts, history));
    }

    private Uni<Map<UUID, Facts>> profiles(SqlClient tx, Set<UUID> profiles, boolean lock) {
        UUID[] ids = profiles.stream().sorted().toArray(UUID[]::new);
        return tx.preparedQuery("""
                SELECT p.profile_id, p.attributes::text AS attributes, c.decisions::text AS consent,
                       CASE WHEN r.profile_id IS NOT NULL THEN json_build_object('segment', r.segment, 'recency', r.recency,
                         'frequency', r.frequency, 'monetary', r.monetary)::text END AS rfm
                FROM profile p LEFT JOIN consent c ON c.subject = p.profile_id::text LEFT JOIN rfm_score r ON r.profile_id = p.profile_id
                WHERE p.profile_id = ANY($1) ORDER BY p.profile_id""" + (lock ? " FOR UPDATE OF p" : ""))
                .execute(Tuple.of(ids))
                .map(rows -> {
                    Map<UUID, Facts> facts = new LinkedHashMap<>();
                    rows.forEach(r -> facts.put(r.getUUID("profile_id"), new Facts(r.getUUID("profile_id"), StoredJson.read(r.getString("attributes")),
                            List.of(), r.getString("consent") == null ? null : StoredJson.read(r.getString("consent")),
                            r.getString("rfm") == null ? null : StoredJson.read(r.getString("rfm")))));
                    return facts;
                });
    }

    /** These profiles' facts with this part of their event history (in time order). */
    public Uni<Map<UUID, Facts>> withEvents(SqlClient tx, Map<UUID, Facts> profiles, EventHistory history) {
        if (profiles.isEmpty()) {
            return Uni.createFrom().item(profiles);
        }
        UUID[] held = profiles.keySet().stream().sorted().toArray(UUID[]::new);
        String columns = "SELECT event_id, profile_id, name, occur_time, properties::text AS properties FROM event ";
        var query = history.wholeOfEvery()
                ? tx.preparedQuery(columns + "WHERE profile_id = ANY($1) ORDER BY profile_id, occur_time, event_id").execute(Tuple.of(held))
                // whole histories by name, recent ones by time (each an index range: old events are not fetched)
                : tx.preparedQuery(columns + "WHERE profile_id = ANY($1) AND name = ANY($2) UNION ALL " + columns
                        + "WHERE profile_id = ANY($1) AND occur_time >= $3 AND ($4 OR name = ANY($5)) AND name <> ALL($2) "
                        + "ORDER BY 2, 4, 1")
                        .execute(Tuple.of(held, history.wholeOf().toArray(String[]::new),
                                history.since() == null ? null : OffsetDateTime.ofInstant(history.since(), ZoneOffset.UTC),
                                history.recentOfEvery(), history.recentOf().toArray(String[]::new)));
        return query.map(eventRows -> {
            Map<UUID, List<Facts.StoredEvent>> events = new HashMap<>();
            // Many events carry the same properties ({} most of all): each text parsed once, the tree only read.
            Map<String, JsonNode> parsed = new HashMap<>();
            eventRows.forEach(r -> events.computeIfAbsent(r.getUUID(1), k -> new ArrayList<>())
                    .add(new Facts.StoredEvent(r.getString(0), r.getString(2), r.getOffsetDateTime(3).toInstant(),
                            parsed.computeIfAbsent(r.getString(4), StoredJson::read))));
            Map<UUID, Facts> facts = new LinkedHashMap<>();
            profiles.forEach((id, f) -> facts.put(id, new Facts(id, f.attributes(), events.getOrDefault(id, List.of()), f.consent(), f.rfm())));
            return facts;
        });
    }
}
