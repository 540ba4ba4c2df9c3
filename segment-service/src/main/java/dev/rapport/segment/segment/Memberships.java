package dev.rapport.segment.segment;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.segment.definition.Condition;
import dev.rapport.segment.definition.SqlParams;
import dev.rapport.segment.evaluation.Evaluator;
import dev.rapport.segment.evaluation.EventHistory;
import dev.rapport.segment.evaluation.Facts;
import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.segment.evaluation.PurposeBasis;
import dev.rapport.segment.evaluation.SqlCompiler;
import dev.rapport.segment.projection.Projection;
import dev.rapport.segment.segment.MembershipAnnouncer.Transition;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Keeps memberships current, two ways that must agree: for a few profiles at a time in Java when their data changes
 * (real time), and for a whole segment in SQL when it is created or edited, as time passes, or for repair (batch).
 * A batch holds its segment's row exclusively, real time holds the rows of the segments it evaluates shared, so the two
 * never write one segment's memberships at once.
 */
@ApplicationScoped
public class Memberships {
    private final SegmentCatalog catalog;
    private final Projection projection;
    private final MembershipAnnouncer announcer;

    private final ConsentPolicy policy;
    private final BatchWork batch;

    Memberships(SegmentCatalog catalog, Projection projection, MembershipAnnouncer announcer, ConsentPolicy policy, BatchWork batch) {
        this.batch = batch;
        this.catalog = catalog;
        this.projection = projection;
        this.announcer = announcer;
        this.policy = policy;
    }

    /** A segment's size after a computation. */
    public record Size(long members, long withdrawn, long undecided, Instant time, long version) {
    }

    /**
     * Definitions change only under this lock held exclusively (create, edit, delete); real-time evaluation holds it
     * shared, so the segments it picks are the ones a concurrent batch computes, never a version in between.
     */
    static final long DEFINITIONS_LOCK = 0x5365676d656e7473L;

    /** Taken by whoever changes definitions, before anything else. */
    public static Uni<Void> lockDefinitions(SqlClient tx) {
        return tx.preparedQuery("SELECT pg_advisory_xact_lock($1)").execute(Tuple.of(DEFINITIONS_LOCK)).replaceWithVoid();
    }

    /** Re-evaluates {@code profiles} in the segments whose inputs {@code affected} accepts; announces what changed. */
    public Uni<List<Transition>> reevaluate(SqlClient tx, Set<UUID> profiles, Predicate<SavedSegment.Inputs> affected) {
        if (profiles.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return tx.preparedQuery("SELECT pg_advisory_xact_lock_shared($1)").execute(Tuple.of(DEFINITIONS_LOCK))
                .flatMap(locked -> catalog.current(tx)).flatMap(all -> {
            Set<UUID> candidates = new HashSet<>();
            all.values().forEach(s -> {
                if (affected.test(s.inputs(all, catalog.purchases()))) {
                    candidates.add(s.id());
                }
            });
            if (candidates.isEmpty()) {
                return Uni.createFrom().item(List.<Transition>of());
            }
            // Shared with other evaluations, exclusive of a whole-segment recomputation (the clock, RFM, repair).
            return tx.preparedQuery("SELECT segment_id FROM segment WHERE segment_id = ANY($1) ORDER BY segment_id FOR SHARE")
                    .execute(Tuple.of(candidates.toArray(UUID[]::new)))
                    .flatMap(locked -> evaluate(tx, profiles, candidates, all));
        });
    }

    private Uni<List<Transition>> evaluate(SqlClient tx, Set<UUID> profiles, Set<UUID> candidates, Map<UUID, SavedSegment> all) {
        List<SavedSegment> segments = candidates.stream().map(all::get).filter(s -> s != null).toList();
        List<EventHistory.Use> uses = new ArrayList<>();
        segments.forEach(s -> uses.addAll(s.inputs(all, catalog.purchases()).eventUses()));
        Instant now = now();
        Evaluator evaluator = new Evaluator(conditions(all), catalog.purchases(), now);
        return projection.lockAndRead(tx, profiles).flatMap(known -> {
            // What attributes, consent and RFM decide needs no events; only the rest are read.
            Map<String, Boolean> decided = new HashMap<>();
            Map<UUID, Facts> undecided = new HashMap<>();
            for (SavedSegment s : segments) {
                for (Facts f : known.values()) {
                    Boolean in = PurposeBasis.of(policy, s.purpose(), f.consent()) != PurposeBasis.GRANTED ? Boolean.FALSE
                            : evaluator.withoutEvents(s.condition(), f);
                    if (in == null) {
                        undecided.put(f.profileId(), f);
                    } else {
                        decided.put(s.id() + "/" + f.profileId(), in);
                    }
                }
            }
            return projection.withEvents(tx, undecided, EventHistory.of(uses, now)).flatMap(withEvents -> tx.preparedQuery("""
                            SELECT segment_id, profile_id FROM membership WHERE profile_id = ANY($1) AND segment_id = ANY($2)""")
                    .execute(Tuple.of(profiles.toArray(UUID[]::new), segments.stream().map(SavedSegment::id).toArray(UUID[]::new)))
                    .flatMap(rows -> {
                        Set<String> held = new HashSet<>();
                        rows.forEach(r -> held.add(r.getUUID("segment_id") + "/" + r.getUUID("profile_id")));
                        List<Transition> changes = new ArrayList<>();
                        for (SavedSegment s : segments) {
                            for (UUID profile : profiles) {
                                Boolean settled = decided.get(s.id() + "/" + profile);
                                Facts f = withEvents.get(profile);
                                boolean in = settled != null ? settled : f != null && evaluator.matches(s.condition(), f);
                                if (in != held.contains(s.id() + "/" + profile)) {
                                    changes.add(new Transition(s.id(), s.version(), profile, in, now));
                                }
                            }
                        }
                        return write(tx, changes);
                    }));
        });
    }

    /** Writes transitions computed in Java, then announces them. */
    private Uni<List<Transition>> write(SqlClient tx, List<Transition> changes) {
        List<Transition> entered = changes.stream().filter(Transition::entered).toList();
        List<Transition> exited = changes.stream().filter(t -> !t.entered()).toList();
        Uni<?> writes = Uni.createFrom().voidItem();
        if (!entered.isEmpty()) {
            writes = writes.flatMap(x -> tx.preparedQuery("""
                    INSERT INTO membership (segment_id, profile_id, enter_time)
                    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[]) ON CONFLICT DO NOTHING""")
                    .execute(Tuple.of(entered.stream().map(Transition::segmentId).toArray(UUID[]::new),
                            entered.stream().map(Transition::profileId).toArray(UUID[]::new),
                            entered.stream().map(t -> time(t.time())).toArray(OffsetDateTime[]::new))));
        }
        if (!exited.isEmpty()) {
            writes = writes.flatMap(x -> tx.preparedQuery("""
                    DELETE FROM membership m USING unnest($1::uuid[], $2::uuid[]) AS x(segment_id, profile_id)
                    WHERE m.segment_id = x.segment_id AND m.profile_id = x.profile_id""")
                    .execute(Tuple.of(exited.stream().map(Transition::segmentId).toArray(UUID[]::new),
                            exited.stream().map(Transition::profileId).toArray(UUID[]::new))));
        }
        return writes.flatMap(x -> announcer.announce(changes)).replaceWith(changes);
    }

    /**
     * Computes a whole segment in SQL, writes only the differences from the held membership, announces them and records
     * the size. The caller holds the segment's row locked (FOR UPDATE).
     */
    public Uni<Size> recompute(SqlClient tx, SavedSegment segment, Map<UUID, SavedSegment> all) {
        Instant now = now();
        SqlParams params = new SqlParams(segment.id(), time(now), segment.version());
        SqlCompiler compiler = new SqlCompiler(conditions(all), catalog.purchases(), now, params);
        String matches = compiler.compile(segment.condition());
        String basis = PurposeBasis.sql(policy, segment.purpose(), params);
        String sql = """
                WITH matched AS MATERIALIZED (
                  SELECT p.profile_id, %s AS basis FROM %s WHERE %s),
                entered AS (
                  INSERT INTO membership (segment_id, profile_id, enter_time)
                  SELECT $1, profile_id, $2 FROM matched WHERE basis = 'GRANTED' ON CONFLICT DO NOTHING RETURNING profile_id),
                exited AS (
                  DELETE FROM membership m WHERE m.segment_id = $1
                  AND NOT EXISTS (SELECT 1 FROM matched x WHERE x.profile_id = m.profile_id AND x.basis = 'GRANTED') RETURNING profile_id),
                size AS (
                  INSERT INTO segment_size (segment_id, measure_time, segment_version, members, withdrawn, undecided)
                  SELECT $1, $2, $3, count(*) FILTER (WHERE basis = 'GRANTED'), count(*) FILTER (WHERE basis = 'WITHDRAWN'),
                         count(*) FILTER (WHERE basis = 'UNDECIDED') FROM matched
                  ON CONFLICT (segment_id, measure_time) DO UPDATE SET members = EXCLUDED.members
                  RETURNING members, withdrawn, undecided)
                SELECT 'E' AS change, profile_id, 0::bigint AS members, 0::bigint AS withdrawn, 0::bigint AS undecided FROM entered
                UNION ALL SELECT 'X', profile_id, 0, 0, 0 FROM exited
                UNION ALL SELECT 'S', NULL, members, withdrawn, undecided FROM size""".formatted(basis,
                compiler.from(PurposeBasis.readsConsent(segment.purpose())), matches);
        return batch.begin(tx).flatMap(x -> tx.preparedQuery(sql).execute(Tuple.tuple(params.values()))).flatMap(rows -> {
            List<Transition> changes = new ArrayList<>();
            long[] size = new long[3];
            rows.forEach(r -> {
                switch (r.getString("change")) {
                    case "E" -> changes.add(new Transition(segment.id(), segment.version(), r.getUUID("profile_id"), true, now));
                    case "X" -> changes.add(new Transition(segment.id(), segment.version(), r.getUUID("profile_id"), false, now));
                    default -> {
                        size[0] = r.getLong("members");
                        size[1] = r.getLong("withdrawn");
                        size[2] = r.getLong("undecided");
                    }
                }
            });
            return announcer.announce(changes).replaceWith(new Size(size[0], size[1], size[2], now, segment.version()));
        });
    }

    /** Counts what a definition holds now, without writing anything; {@code client} is a transaction. */
    public Uni<Size> preview(SqlClient client, Condition condition, String purpose, Map<UUID, SavedSegment> all) {
        Instant now = now();
        SqlParams params = new SqlParams();
        SqlCompiler compiler = new SqlCompiler(conditions(all), catalog.purchases(), now, params);
        String matches = compiler.compile(condition);
        String basis = PurposeBasis.sql(policy, purpose, params);
        return batch.begin(client).flatMap(x -> client.preparedQuery("""
                SELECT count(*) FILTER (WHERE basis = 'GRANTED') AS members, count(*) FILTER (WHERE basis = 'WITHDRAWN') AS withdrawn,
                       count(*) FILTER (WHERE basis = 'UNDECIDED') AS undecided
                FROM (SELECT %s AS basis FROM %s WHERE %s) matched"""
                .formatted(basis, compiler.from(PurposeBasis.readsConsent(purpose)), matches))
                .execute(Tuple.tuple(params.values())))
                .map(rows -> {
                    var r = rows.iterator().next();
                    return new Size(r.getLong("members"), r.getLong("withdrawn"), r.getLong("undecided"), now, 0);
                });
    }

    /** Everyone leaves a segment being deleted (announced); the caller holds its row locked. */
    public Uni<Long> removeAll(SqlClient tx, SavedSegment segment) {
        Instant now = now();
        return tx.preparedQuery("DELETE FROM membership WHERE segment_id = $1 RETURNING profile_id").execute(Tuple.of(segment.id()))
                .flatMap(rows -> {
                    List<Transition> exits = new ArrayList<>();
                    rows.forEach(r -> exits.add(new Transition(segment.id(), segment.version(), r.getUUID("profile_id"), false, now)));
                    return announcer.announce(exits).replaceWith((long) exits.size());
                });
    }

    /** A profile that stopped existing (merged away or erased) leaves every segment (announced). */
    public Uni<Void> removeProfile(SqlClient tx, UUID profile) {
        Instant now = now();
        return tx.preparedQuery("""
                DELETE FROM membership m USING segment s WHERE m.profile_id = $1 AND s.segment_id = m.segment_id
                RETURNING m.segment_id, s.version""").execute(Tuple.of(profile))
                .flatMap(rows -> {
                    List<Transition> exits = new ArrayList<>();
                    rows.forEach(r -> exits.add(new Transition(r.getUUID("segment_id"), r.getLong("version"), profile, false, now)));
                    return announcer.announce(exits);
                });
    }

    static Map<UUID, Condition> conditions(Map<UUID, SavedSegment> all) {
        Map<UUID, Condition> conditions = new HashMap<>();
        all.forEach((id, s) -> conditions.put(id, s.condition()));
        return conditions;
    }

    /** PostgreSQL keeps microseconds: the evaluators use the time the database will store. */
    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    static OffsetDateTime time(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
