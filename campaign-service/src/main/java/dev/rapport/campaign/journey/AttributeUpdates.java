package dev.rapport.campaign.journey;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.campaign.journey.JourneySteps.AttributeChange;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A journey's update_attribute steps: planned with the run's move (in its transaction, once per run and step), then
 * set on the person's profile through profile-service's UpdateAttributes until it is applied, or refused for a reason
 * retrying cannot change (a value of the wrong type, a person no longer known). Setting a value is idempotent, so an
 * update applied and then tried again after a crash sets the same value.
 */
@ApplicationScoped
public class AttributeUpdates {
    private static final Logger LOG = Logger.getLogger(AttributeUpdates.class);
    private static final int BATCH = 50;
    private static final int AT_ONCE = 8;
    private static final int MAX_ATTEMPTS = 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final Pool pool;
    private final Clock clock;
    private final ProfileService profiles;

    AttributeUpdates(Pool pool, Clock clock, @GrpcClient("profile") ProfileService profiles) {
        this.pool = pool;
        this.clock = clock;
        this.profiles = profiles;
    }

    /** Plans the updates of the steps a run passed (in the caller's transaction); a step planned before is not again. */
    static Uni<Void> plan(SqlClient sql, UUID run, UUID campaign, UUID profile, List<AttributeChange> changes, Instant now) {
        List<Integer> steps = new ArrayList<>();
        List<String> attributes = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (AttributeChange change : changes) {
            steps.add(change.step());
            attributes.add(change.attribute());
            try {
                values.add(JsonFormat.printer().print(change.value()));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("a stored journey's value cannot be printed", e);
            }
        }
        return sql.preparedQuery("""
                        INSERT INTO attribute_update (run_id, step, campaign_id, profile_id, attribute, value, next_attempt_time)
                        SELECT $1, u.step, $2, $3, u.attribute, (u.value)::jsonb, $7
                        FROM unnest($4::int[], $5::text[], $6::text[]) AS u(step, attribute, value)
                        ORDER BY u.step
                        ON CONFLICT DO NOTHING""")
                .execute(Tuple.of(run, campaign, profile, steps.toArray(Integer[]::new), attributes.toArray(String[]::new),
                        values.toArray(String[]::new)).addValue(now.atOffset(ZoneOffset.UTC)))
                .replaceWithVoid();
    }

    @Scheduled(every = "${rapport.campaign.delivery-interval:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> tick() {
        return applyDue().replaceWithVoid()
                .onFailure().invoke(f -> LOG.warnf("attribute updates not applied yet (retried): %s", f.toString()))
                .onFailure().recoverWithNull();
    }

    /** Applies the updates that are due, a batch in one transaction (rows locked while profile-service answers). */
    public Uni<Integer> applyDue() {
        Instant now = clock.instant();
        return pool.withTransaction(tx -> tx.preparedQuery("""
                        SELECT a.run_id, a.step, a.campaign_id, a.profile_id, a.attribute, a.value::text AS value, a.attempts
                        FROM attribute_update a
                        WHERE a.state = 'pending' AND a.next_attempt_time <= $1
                          -- a person's attribute set in the order its updates were planned: the newest value is the last
                          AND NOT EXISTS (SELECT 1 FROM attribute_update o WHERE o.profile_id = a.profile_id AND o.attribute = a.attribute
                                          AND o.state = 'pending' AND o.seq < a.seq)
                        ORDER BY a.next_attempt_time LIMIT $2 FOR UPDATE OF a SKIP LOCKED""")
                .execute(Tuple.of(now.atOffset(ZoneOffset.UTC), BATCH))
                .flatMap(rows -> {
                    List<Row> due = new ArrayList<>();
                    rows.forEach(due::add);
                    return Multi.createFrom().iterable(due)
                            .onItem().transformToUni(row -> apply(row).flatMap(result -> record(tx, row, result, now)))
                            .merge(AT_ONCE).collect().last().replaceWith(due.size());
                }));
    }

    /** null when applied, else why not (refused: retrying cannot help). */
    private record Result(String why, boolean refused) {
    }

    private Uni<Result> apply(Row row) {
        Value.Builder value = Value.newBuilder();
        try {
            JsonFormat.parser().merge(row.getString("value"), value);
        } catch (InvalidProtocolBufferException e) {
            return Uni.createFrom().item(new Result("the stored value cannot be read", true));
        }
        return profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setProfileId(row.getUUID("profile_id").toString())
                        .putAttributes(row.getString("attribute"), value.build()).setSource("campaign:" + row.getUUID("campaign_id")).build())
                .ifNoItem().after(TIMEOUT).fail()
                .map(profile -> (Result) null)
                .onFailure().recoverWithItem(f -> {
                    if (f instanceof StatusRuntimeException s) {
                        Status.Code code = s.getStatus().getCode();
                        if (code == Status.Code.NOT_FOUND) {
                            return new Result("the person is no longer known", true);
                        }
                        if (code == Status.Code.INVALID_ARGUMENT || code == Status.Code.FAILED_PRECONDITION) {
                            return new Result(s.getStatus().getDescription(), true);
                        }
                        return new Result("profile-service answered " + code, false);
                    }
                    return new Result(f instanceof io.smallrye.mutiny.TimeoutException ? "no answer within " + TIMEOUT.toSeconds() + " s"
                            : f.getClass().getSimpleName(), false);
                });
    }

    private static Uni<Void> record(SqlClient sql, Row row, Result result, Instant now) {
        int attempts = row.getInteger("attempts") + 1;
        String state = result == null ? "applied" : result.refused() || attempts >= MAX_ATTEMPTS ? "refused" : "pending";
        Duration backoff = Duration.ofSeconds(Math.min(MAX_BACKOFF.toSeconds(), 1L << Math.min(attempts, 20)));
        return sql.preparedQuery("""
                        UPDATE attribute_update SET state = $3, attempts = $4, detail = $5, next_attempt_time = $6
                        WHERE run_id = $1 AND step = $2""")
                .execute(Tuple.of(row.getUUID("run_id"), row.getInteger("step"), state, attempts)
                        .addValue(result == null ? null : result.why()).addValue(now.plus(backoff).atOffset(ZoneOffset.UTC)))
                .replaceWithVoid();
    }

    /** A journey's updates by attribute and state, for its delivery summary: "update last_cart_reminder: applied" → 12. */
    public Uni<Map<String, Long>> summary(UUID campaign) {
        return pool.preparedQuery("""
                        SELECT attribute, state, count(*) AS n FROM attribute_update WHERE campaign_id = $1
                        GROUP BY attribute, state ORDER BY attribute, state""")
                .execute(Tuple.of(campaign))
                .map(rows -> {
                    Map<String, Long> summary = new LinkedHashMap<>();
                    rows.forEach(row -> summary.put("update " + row.getString("attribute") + ": " + row.getString("state"), row.getLong("n")));
                    return summary;
                });
    }
}
