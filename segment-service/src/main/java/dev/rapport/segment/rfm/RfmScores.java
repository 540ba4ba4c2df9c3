package dev.rapport.segment.rfm;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rapport.runtime.Progress;
import dev.rapport.runtime.PurchaseConvention;
import dev.rapport.segment.definition.SqlParams;
import dev.rapport.segment.evaluation.SqlCompiler;
import dev.rapport.segment.projection.StoredJson;
import dev.rapport.segment.segment.BatchWork;
import dev.rapport.segment.segment.SavedSegment;
import dev.rapport.segment.segment.SegmentCatalog;
import dev.rapport.segment.segment.Segments;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Recency, frequency and monetary scores for every purchasing profile, 1 to 5 by quintile (ceil(5 × cumulative
 * distribution): ties share a score, so the result never depends on row order), the named segment each falls in, and
 * how many moved between named segments since the previous run. Segments that use RFM are recomputed after each run.
 */
@ApplicationScoped
public class RfmScores {
    private static final Logger LOG = Logger.getLogger(RfmScores.class);
    static final Duration DEFAULT_WINDOW = Duration.ofDays(365);

    private final Pool pool;
    private final PurchaseConvention purchases;
    private final SegmentCatalog catalog;
    private final Segments segments;
    private final BatchWork batch;

    RfmScores(Pool pool, PurchaseConvention purchases, SegmentCatalog catalog, Segments segments, BatchWork batch) {
        this.batch = batch;
        this.pool = pool;
        this.purchases = purchases;
        this.catalog = catalog;
        this.segments = segments;
    }

    /** {@code progress}: the run under way, or the last one (null before any). */
    public record Model(Duration window, String currency, List<RfmRule> rules, Run latest, Progress progress) {
    }

    public record Run(Instant time, long profiles, long durationMs, Map<String, Long> sizes, List<Transition> transitions) {
    }

    public record Transition(String from, String to, long profiles) {
    }

    public Uni<Model> model() {
        return pool.withConnection(this::model);
    }

    private Uni<Model> model(SqlClient client) {
        return client.preparedQuery("SELECT extract(epoch FROM time_window)::bigint AS seconds, currency, rules::text AS rules FROM rfm_model")
                .execute()
                .flatMap(rows -> client.preparedQuery("""
                        SELECT compute_time, profiles_scored, duration_ms, segment_sizes::text AS segment_sizes,
                               transitions::text AS transitions FROM rfm_run ORDER BY compute_time DESC LIMIT 1""").execute()
                        .flatMap(runs -> client.preparedQuery("SELECT done, total, stage, finished, failed FROM rfm_progress").execute().map(progress -> {
                            Run latest = runs.size() == 0 ? null : run(runs.iterator().next());
                            Progress now = progress.size() == 0 ? null : progress(progress.iterator().next());
                            if (rows.size() == 0) {
                                return new Model(DEFAULT_WINDOW, purchases.defaultCurrency(), RfmRule.STANDARD, latest, now);
                            }
                            Row r = rows.iterator().next();
                            return new Model(Duration.ofSeconds(r.getLong("seconds")), r.getString("currency"), rules(r.getString("rules")), latest, now);
                        })));
    }

    /** Saves a checked model and recomputes. */
    public Uni<Model> update(Duration window, String currency, List<RfmRule> rules) {
        RfmRule.check(rules);
        ArrayNode json = StoredJson.mapper().createArrayNode();
        for (RfmRule rule : rules) {
            ObjectNode r = json.addObject().put("name", rule.name());
            r.putArray("recency").add(rule.recencyMin()).add(rule.recencyMax());
            r.putArray("frequency").add(rule.frequencyMin()).add(rule.frequencyMax());
            r.putArray("monetary").add(rule.monetaryMin()).add(rule.monetaryMax());
        }
        return pool.withTransaction(tx -> tx.preparedQuery("""
                INSERT INTO rfm_model (id, time_window, currency, rules, update_time) VALUES (true, ($1::text)::interval, $2, ($3::text)::jsonb, now())
                ON CONFLICT (id) DO UPDATE SET time_window = EXCLUDED.time_window, currency = EXCLUDED.currency, rules = EXCLUDED.rules,
                  update_time = EXCLUDED.update_time""")
                .execute(Tuple.of(window.toString(), currency, StoredJson.write(json))))
                .flatMap(x -> compute())
                .flatMap(run -> model());
    }

    @Scheduled(every = "${rapport.rfm.interval:1h}", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> onSchedule() {
        return compute().onFailure().invoke(f -> LOG.warnf("RFM not recomputed this time: %s", dev.rapport.segment.segment.Failures.describe(f)))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    /**
     * Scores everyone in one transaction (one run at a time), then recomputes the segments that use RFM: 1 + their
     * number of steps, each reported (rfm_progress, and a line on the console) as it starts.
     */
    public Uni<Run> compute() {
        return pool.withConnection(catalog::current).flatMap(all -> {
            List<SavedSegment> usingRfm = all.values().stream().filter(s -> s.inputs(all, purchases).rfm())
                    .sorted(java.util.Comparator.comparing(SavedSegment::name)).toList();
            int steps = 1 + usingRfm.size();
            return report(new Progress(0, steps, "scoring purchasing profiles", false), true)
                    .flatMap(x -> pool.withTransaction(tx -> tx.query("SELECT pg_advisory_xact_lock(hashtext('segment.rfm'))").execute()
                            .flatMap(y -> model(tx))
                            .flatMap(model -> score(tx, model))))
                    .call(run -> Multi.createFrom().range(0, usingRfm.size())
                            .onItem().transformToUniAndConcatenate(i -> report(new Progress(1 + i, steps,
                                    "recomputing segment " + usingRfm.get(i).name(), false), false)
                                    .flatMap(y -> segments.recompute(usingRfm.get(i).id())))
                            .collect().last())
                    .call(run -> report(new Progress(steps, steps, "finished: " + run.profiles() + " profiles scored", true), false))
                    .onFailure().call(f -> report(new Progress(-1, steps, "", false).failedBecause("failed (the next run starts again): "
                            + f.getClass().getSimpleName()), false).onFailure().recoverWithNull());
        });
    }

    /** Writes where the run is (a new run starts its row again; done -1: keep the count) and says it on the console. */
    private Uni<Void> report(Progress progress, boolean started) {
        return pool.preparedQuery("""
                INSERT INTO rfm_progress (id, start_time, done, total, stage, finished, failed) VALUES (true, now(), greatest($1, 0), $2, $3, $4, $6)
                ON CONFLICT (id) DO UPDATE SET done = CASE WHEN $1 < 0 THEN rfm_progress.done ELSE $1 END, total = $2, stage = $3,
                  finished = $4, failed = $6, start_time = CASE WHEN $5 THEN now() ELSE rfm_progress.start_time END""")
                .execute(Tuple.of(progress.done(), progress.total(), progress.stage(), progress.finished(), started, progress.failed()))
                .invoke(() -> LOG.infof("RFM run: %s", progress.done() < 0 ? progress.stage() : progress.line("steps")))
                .replaceWithVoid();
    }

    private static Progress progress(Row row) {
        return new Progress(row.getInteger("done"), row.getInteger("total"), row.getString("stage"), row.getBoolean("finished"),
                row.getBoolean("failed"));
    }

    private Uni<Run> score(SqlClient tx, Model model) {
        long started = System.nanoTime();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        SqlParams params = new SqlParams();
        String amount = SqlCompiler.amount(purchases, params, "e");
        String currency = SqlCompiler.currency(purchases, params, "e");
        String from = params.text(now.minus(model.window()), "timestamptz");
        String until = params.text(now, "timestamptz");
        String wanted = params.text(model.currency());
        StringBuilder segment = new StringBuilder("CASE");
        for (RfmRule rule : model.rules()) {
            segment.append(" WHEN recency BETWEEN ").append(rule.recencyMin()).append(" AND ").append(rule.recencyMax())
                    .append(" AND frequency BETWEEN ").append(rule.frequencyMin()).append(" AND ").append(rule.frequencyMax())
                    .append(" AND monetary BETWEEN ").append(rule.monetaryMin()).append(" AND ").append(rule.monetaryMax())
                    .append(" THEN ").append(params.text(rule.name()));
        }
        segment.append(" END");
        String scored = """
                CREATE TEMP TABLE rfm_next ON COMMIT DROP AS
                SELECT profile_id, recency, frequency, monetary, %s AS segment, last_purchase, purchases, total FROM (
                  SELECT profile_id, last_purchase, purchases, total,
                         ceil(5 * cume_dist() OVER (ORDER BY last_purchase))::smallint AS recency,
                         ceil(5 * cume_dist() OVER (ORDER BY purchases))::smallint AS frequency,
                         ceil(5 * cume_dist() OVER (ORDER BY total))::smallint AS monetary
                  FROM (SELECT e.profile_id, max(e.occur_time) AS last_purchase, count(*) AS purchases, COALESCE(sum(%s), 0) AS total
                        FROM event e
                        WHERE %s AND e.occur_time >= %s AND e.occur_time < %s AND %s = %s
                        GROUP BY e.profile_id) purchasing) scores""".formatted(segment, amount, SqlCompiler.purchaseNames(purchases, params, "e"), from, until, currency, wanted);
        return batch.begin(tx).flatMap(x -> tx.query("DROP TABLE IF EXISTS rfm_next").execute())
                .flatMap(x -> tx.preparedQuery(scored).execute(Tuple.tuple(params.values())))
                .flatMap(x -> tx.query("ANALYZE rfm_next").execute()) // the joins below are planned on its real size
                .flatMap(x -> tx.query("""
                        SELECT COALESCE(o.segment, '(none)') AS from_segment, COALESCE(n.segment, '(none)') AS to_segment, count(*) AS profiles
                        FROM rfm_score o FULL JOIN rfm_next n USING (profile_id)
                        WHERE o.segment IS DISTINCT FROM n.segment GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2""").execute())
                .flatMap(moved -> tx.query("SELECT segment, count(*) AS profiles FROM rfm_next GROUP BY 1 ORDER BY 2 DESC, 1").execute()
                        .flatMap(sizes -> tx.query("DELETE FROM rfm_score o WHERE NOT EXISTS (SELECT 1 FROM rfm_next n WHERE n.profile_id = o.profile_id)").execute()
                                .flatMap(y -> tx.preparedQuery("""
                                        INSERT INTO rfm_score (profile_id, recency, frequency, monetary, segment, last_purchase, purchases, total, change_time)
                                        SELECT n.profile_id, n.recency, n.frequency, n.monetary, n.segment, n.last_purchase, n.purchases, n.total, $1
                                        FROM rfm_next n LEFT JOIN rfm_score o ON o.profile_id = n.profile_id
                                        -- only what changed is written: between two runs most people neither bought nor moved
                                        WHERE (o.recency, o.frequency, o.monetary, o.segment, o.last_purchase, o.purchases, o.total)
                                              IS DISTINCT FROM (n.recency, n.frequency, n.monetary, n.segment, n.last_purchase, n.purchases, n.total)
                                        ON CONFLICT (profile_id) DO UPDATE SET recency = EXCLUDED.recency, frequency = EXCLUDED.frequency,
                                          monetary = EXCLUDED.monetary, segment = EXCLUDED.segment, last_purchase = EXCLUDED.last_purchase,
                                          purchases = EXCLUDED.purchases, total = EXCLUDED.total, change_time = EXCLUDED.change_time""")
                                        .execute(Tuple.of(java.time.OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC))))
                                .flatMap(y -> {
                                    Map<String, Long> bySegment = new LinkedHashMap<>();
                                    sizes.forEach(r -> bySegment.put(r.getString("segment"), r.getLong("profiles")));
                                    List<Transition> transitions = new ArrayList<>();
                                    moved.forEach(r -> transitions.add(new Transition(r.getString("from_segment"), r.getString("to_segment"), r.getLong("profiles"))));
                                    long total = bySegment.values().stream().mapToLong(Long::longValue).sum();
                                    Run run = new Run(now, total, (System.nanoTime() - started) / 1_000_000, bySegment, transitions);
                                    return tx.preparedQuery("""
                                            INSERT INTO rfm_run (compute_time, profiles_scored, duration_ms, segment_sizes, transitions)
                                            VALUES ($1, $2, $3, ($4::text)::jsonb, ($5::text)::jsonb)""")
                                            .execute(Tuple.of(java.time.OffsetDateTime.ofInstant(now, java.time.ZoneOffset.UTC), total,
                                                    run.durationMs(), StoredJson.write(StoredJson.mapper().valueToTree(bySegment)),
                                                    StoredJson.write(StoredJson.mapper().valueToTree(transitions))))
                                            .replaceWith(run);
                                })));
    }

    private static Run run(Row r) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        StoredJson.read(r.getString("segment_sizes")).fields().forEachRemaining(e -> sizes.put(e.getKey(), e.getValue().asLong()));
        List<Transition> transitions = new ArrayList<>();
        StoredJson.read(r.getString("transitions")).forEach(t -> transitions.add(
                new Transition(t.path("from").asText(), t.path("to").asText(), t.path("profiles").asLong())));
        return new Run(r.getOffsetDateTime("compute_time").toInstant(), r.getLong("profiles_scored"), r.getLong("duration_ms"), sizes, transitions);
    }

    private static List<RfmRule> rules(String json) {
        List<RfmRule> rules = new ArrayList<>();
        for (JsonNode rule : StoredJson.read(json)) {
            rules.add(new RfmRule(rule.path("name").asText(), rule.path("recency").path(0).asInt(), rule.path("recency").path(1).asInt(),
                    rule.path("frequency").path(0).asInt(), rule.path("frequency").path(1).asInt(),
                    rule.path("monetary").path(0).asInt(), rule.path("monetary").path(1).asInt()));
        }
        return rules;
    }
}
