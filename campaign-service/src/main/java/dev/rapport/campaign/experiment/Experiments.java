package dev.rapport.campaign.experiment;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;


import dev.rapport.campaign.definition.CampaignValidation;
import dev.rapport.proto.campaign.v1.ArmResult;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.Experiment;
import dev.rapport.proto.campaign.v1.ExperimentArm;
import dev.rapport.proto.campaign.v1.ExperimentResults;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.runtime.db.StoredJson;
import dev.rapport.runtime.event.Envelopes;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A/B/n tests with a control group: each person's arm is fixed by a hash of the campaign and the person; a
 * conversion is the experiment's event within its window after the message (for the control group, after the moment
 * it would have come); results give each arm's conversion rate with a 95 % Wilson interval and, against the control
 * group, the uplift and the p-value of a two-proportion z-test.
 */
@ApplicationScoped
public class Experiments {
    private static final Duration RUNNING_FOR = Duration.ofSeconds(1);

    private final Pool pool;
    private volatile Uni<Map<UUID, Experiment>> running;

    Experiments(Pool pool) {
        this.pool = pool;
        running = load();
    }

    /** The arm a person is in: the same answer every time, spread by the arms' weights. */
    public static int arm(Campaign campaign, UUID person) {
        Experiment experiment = campaign.getExperiment();
        int total = experiment.getArmsList().stream().mapToInt(ExperimentArm::getWeight).sum();
        long bucket = Math.floorMod(hash(campaign.getId() + ":" + person), (long) total);
        for (int i = 0; i < experiment.getArmsCount(); i++) {
            bucket -= experiment.getArms(i).getWeight();
            if (bucket < 0) {
                return i;
            }
        }
        throw new IllegalStateException("an experiment without weight");
    }

    /** With an automatic winner: whether the person is in the test (the others wait for the winner). Fixed per person. */
    public static boolean inTest(Campaign campaign, UUID person) {
        return Math.floorMod(hash(campaign.getId() + ":test:" + person), 100L) < campaign.getExperiment().getAutoWinner().getTestPercent();
    }

    /**
     * The arm the rest of the audience gets ({@code arm} null: nothing, the control group won), and why; or, while the
     * test is still going on, not yet: {@code until} says when to ask again.
     */
    public record Winner(Integer arm, String reason, Instant until) {
        public boolean decided() {
            return until == null;
        }
    }

    /**
     * The experiment's winner, decided once and stored with the campaign. Not before the test has run: while any of
     * its deliveries is still to be sent (deferred to a best hour, past quiet hours, retried) or its last message's
     * conversion window is open, the answer is "not yet". Deciders queue on the campaign's row, so the figures are
     * read once.
     */
    public Uni<Winner> winner(Campaign campaign) {
        UUID id = UUID.fromString(campaign.getId());
        Duration window = CampaignValidation.java(campaign.getExperiment().getConversionWindow());
        return pool.withTransaction(tx -> tx.preparedQuery("""
                        SELECT winner_arm, winner_reason, winner_decided_time,
                               (SELECT min(due_time) FROM delivery WHERE campaign_id = c.id AND NOT rollout AND status IN ('planned', 'sending')) AS test_due,
                               (SELECT max(send_time) FROM delivery WHERE campaign_id = c.id AND NOT rollout AND status IN ('sent', 'held_out')) AS last_sent
                        FROM campaign c WHERE id = $1 FOR UPDATE""")
                .execute(Tuple.of(id))
                .flatMap(rows -> {
                    Row row = rows.iterator().next();
                    if (row.getOffsetDateTime("winner_decided_time") != null) {
                        return Uni.createFrom().item(new Winner(row.getInteger("winner_arm"), row.getString("winner_reason"), null));
                    }
                    Instant now = Instant.now();
                    if (row.getOffsetDateTime("test_due") != null) {
                        Instant again = Instant.from(row.getOffsetDateTime("test_due")).plus(window);
                        return Uni.createFrom().item(new Winner(null, "the test is still being sent", again.isAfter(now) ? again : now.plus(window)));
                    }
                    if (row.getOffsetDateTime("last_sent") != null && Instant.from(row.getOffsetDateTime("last_sent")).plus(window).isAfter(now)) {
                        return Uni.createFrom().item(new Winner(null, "the test's last conversions may still come",
                                Instant.from(row.getOffsetDateTime("last_sent")).plus(window)));
                    }
                    return testFigures(tx, id).map(byArm -> choose(campaign, byArm))
                            .call(chosen -> tx.preparedQuery("UPDATE campaign SET winner_arm = $2, winner_decided_time = now(), winner_reason = $3 WHERE id = $1")
                                    .execute(Tuple.of(id, chosen.arm(), chosen.reason())));
                }));
    }

    /**
     * The message arm that converted best wins (the first of equals); it goes to the rest unless the control group
     * converted significantly better (p < 0.05) — then messaging did harm, and the rest get nothing.
     */
    static Winner choose(Campaign campaign, Map<Integer, long[]> byArm) {
        Experiment experiment = campaign.getExperiment();
        int best = -1;
        int control = -1;
        for (int i = 0; i < experiment.getArmsCount(); i++) {
            if (experiment.getArms(i).getControl()) {
                control = i;
            } else if (best < 0 || rate(byArm.get(i)) > rate(byArm.get(best))) {
                best = i;
            }
        }
        String name = experiment.getArms(best).getName();
        long[] b = byArm.getOrDefault(best, new long[2]);
        if (b[0] == 0) {
            return new Winner(best, "no one in the test was reached: " + name + ", the first arm", null);
        }
        String figure = String.format(java.util.Locale.ROOT, "%s converted %.1f %% (%d of %d)", name, 100 * rate(b), b[1], b[0]);
        if (control < 0) {
            return new Winner(best, figure + ", the best of the arms", null);
        }
        long[] c = byArm.getOrDefault(control, new long[2]);
        if (c[0] == 0) {
            return new Winner(best, figure + "; the control group had no one to compare with", null);
        }
        double p = Statistics.twoProportionPValue(b[1], b[0], c[1], c[0]);
        String against = String.format(java.util.Locale.ROOT, "the control group %.1f %% (%d of %d), p = %.3f", 100 * rate(c), c[1], c[0], p);
        if (rate(c) > rate(b) && p < 0.05) {
            return new Winner(null, "the control group converted better than every arm: " + figure + ", " + against + "; the rest get nothing",
                    null);
        }
        return new Winner(best, figure + " against " + against + (p < 0.05 && rate(b) > rate(c) ? "" : " (not significant)"), null);
    }

    private static double rate(long[] reachedConverted) {
        return reachedConverted == null || reachedConverted[0] == 0 ? 0 : (double) reachedConverted[1] / reachedConverted[0];
    }

    /** Per arm of the test group: reached and converted. */
    private static Uni<Map<Integer, long[]>> testFigures(io.vertx.mutiny.sqlclient.SqlClient sql, UUID campaign) {
        return sql.preparedQuery("""
                        SELECT arm, count(*) FILTER (WHERE status IN ('sent', 'held_out')) AS reached,
                               count(*) FILTER (WHERE converted_time IS NOT NULL) AS converted
                        FROM delivery WHERE campaign_id = $1 AND arm IS NOT NULL AND NOT rollout GROUP BY arm""")
                .execute(Tuple.of(campaign))
                .map(rows -> {
                    Map<Integer, long[]> byArm = new HashMap<>();
                    rows.forEach(row -> byArm.put(row.getInteger("arm"), new long[] { row.getLong("reached"), row.getLong("converted") }));
                    return byArm;
                });
    }

    /** The campaign as one arm sends it: the arm's own variants when it has any. */
    public static Campaign forArm(Campaign campaign, int arm) {
        ExperimentArm chosen = campaign.getExperiment().getArms(arm);
        return chosen.getVariantsCount() == 0 ? campaign : campaign.toBuilder().clearVariants().addAllVariants(chosen.getVariantsList()).build();
    }

    /** An event was recorded: the person's messages of experiments converting on it, within their windows, converted. */
    public Uni<Void> onEvent(UUID profile, Event event) {
        Instant at = Envelopes.instant(event.getOccurTime());
        return running.flatMap(experiments -> {
            List<UUID> ids = new ArrayList<>();
            List<Double> windows = new ArrayList<>();
            experiments.forEach((id, experiment) -> {
                if (experiment.getConversionEvent().equals(event.getName())) {
                    ids.add(id);
                    windows.add((double) CampaignValidation.java(experiment.getConversionWindow()).toSeconds());
                }
            });
            if (ids.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            // The first conversion counts; the same event again changes nothing.
            return pool.preparedQuery("""
                    UPDATE delivery d SET converted_time = $2
                    FROM unnest($3::uuid[], $4::float8[]) AS e(campaign_id, window_secs)
                    WHERE d.campaign_id = e.campaign_id AND d.profile_id = $1 AND d.converted_time IS NULL
                      AND d.status IN ('sent', 'held_out') AND d.send_time <= $2 AND $2 <= d.send_time + make_interval(secs => e.window_secs)""")
                    .execute(Tuple.of(profile, at.atOffset(ZoneOffset.UTC), ids.toArray(UUID[]::new), windows.toArray(Double[]::new)))
                    .replaceWithVoid();
        });
    }

    /** Reads the campaigns with experiments again at the next event (one was activated or changed here). */
    public void forget() {
        running = load();
    }

    private Uni<Map<UUID, Experiment>> load() {
        // Conversions still count after a campaign completed: its window may outlast it.
        return pool.query("SELECT id, (messages->'experiment')::text AS experiment FROM campaign "
                        + "WHERE status IN ('ACTIVE', 'PAUSED', 'COMPLETED') AND messages ? 'experiment'")
                .execute()
                .map(rows -> {
                    Map<UUID, Experiment> experiments = new HashMap<>();
                    rows.forEach(row -> experiments.put(row.getUUID("id"), experiment(row.getString("experiment"))));
                    return experiments;
                })
                .memoize().atLeast(RUNNING_FOR);
    }

    /** Each arm's figures. */
    public Uni<ExperimentResults> results(Campaign campaign) {
        if (!campaign.hasExperiment()) {
            throw Status.FAILED_PRECONDITION.withDescription("campaign " + campaign.getId() + " runs no experiment").asRuntimeException();
        }
        UUID id = UUID.fromString(campaign.getId());
        return pool.preparedQuery("""
                            SELECT arm, count(*) FILTER (WHERE status IN ('sent', 'held_out')) AS reached,
                                   count(*) FILTER (WHERE status = 'sent') AS sent,
                                   count(*) FILTER (WHERE converted_time IS NOT NULL) AS converted,
                                   count(clicked_time) AS clicked, count(opened_time) AS opened
                            FROM delivery WHERE campaign_id = $1 AND arm IS NOT NULL AND NOT rollout GROUP BY arm""")
                .execute(Tuple.of(id))
                .map(rows -> {
                    Map<Integer, Row> byArm = new HashMap<>();
                    rows.forEach(row -> byArm.put(row.getInteger("arm"), row));
                    return results(campaign, byArm);
                })
                .flatMap(results -> !campaign.getExperiment().hasAutoWinner() ? Uni.createFrom().item(results) : pool.preparedQuery("""
                                SELECT c.winner_arm, c.winner_reason, c.winner_decided_time,
                                       (SELECT count(*) FROM delivery d WHERE d.campaign_id = c.id AND d.rollout AND d.status IN ('planned', 'sending')) AS waiting,
                                       (SELECT count(*) FROM delivery d WHERE d.campaign_id = c.id AND d.rollout AND d.status = 'sent') AS sent
                                FROM campaign c WHERE c.id = $1""")
                        .execute(Tuple.of(id))
                        .map(rows -> {
                            Row row = rows.iterator().next();
                            ExperimentResults.Builder with = results.toBuilder().setRolloutWaiting(row.getLong("waiting")).setRolloutSent(row.getLong("sent"));
                            if (row.getOffsetDateTime("winner_decided_time") != null) {
                                Integer arm = row.getInteger("winner_arm");
                                with.setWinner(arm == null ? "none" : campaign.getExperiment().getArms(arm).getName())
                                        .setWinnerReason(row.getString("winner_reason"))
                                        .setDecidedTime(Envelopes.timestamp(row.getOffsetDateTime("winner_decided_time").toInstant()));
                            }
                            return with.build();
                        }));
    }

    private static ExperimentResults results(Campaign campaign, Map<Integer, Row> byArm) {
        Experiment experiment = campaign.getExperiment();
        long[][] figures = new long[experiment.getArmsCount()][5];
        int control = -1;
        for (int i = 0; i < experiment.getArmsCount(); i++) {
            Row row = byArm.get(i);
            if (row != null) {
                figures[i] = new long[] { row.getLong("reached"), row.getLong("sent"), row.getLong("converted"), row.getLong("clicked"),
                        row.getLong("opened") };
            }
            if (experiment.getArms(i).getControl()) {
                control = i;
            }
        }
        ExperimentResults.Builder results = ExperimentResults.newBuilder().setCampaignId(campaign.getId())
                .setConversionEvent(experiment.getConversionEvent());
        for (int i = 0; i < experiment.getArmsCount(); i++) {
            long reached = figures[i][0];
            long converted = figures[i][2];
            double[] interval = Statistics.wilson(converted, reached);
            ArmResult.Builder arm = ArmResult.newBuilder().setName(experiment.getArms(i).getName()).setControl(experiment.getArms(i).getControl())
                    .setReached(reached).setSent(figures[i][1]).setConverted(converted)
                    .setConversionRate(reached == 0 ? 0 : (double) converted / reached)
                    .setConversionRateLow(interval[0]).setConversionRateHigh(interval[1])
                    .setClicked(figures[i][3]).setClickRate(figures[i][1] == 0 ? 0 : (double) figures[i][3] / figures[i][1])
                    .setOpened(figures[i][4]).setOpenRate(figures[i][1] == 0 ? 0 : (double) figures[i][4] / figures[i][1]);
            if (control >= 0 && i != control && reached > 0 && figures[control][0] > 0) {
                arm.setUplift((double) converted / reached - (double) figures[control][2] / figures[control][0])
                        .setPValue(Statistics.twoProportionPValue(converted, reached, figures[control][2], figures[control][0]));
            }
            results.addArms(arm);
        }
        return results.build();
    }

    private static long hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Experiment experiment(String json) {
        return StoredJson.read(json, Experiment.newBuilder(), "a stored experiment");
    }
}
