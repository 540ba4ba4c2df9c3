package dev.rapport.campaign.journey;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.campaign.config.CampaignConfig;
import dev.rapport.campaign.definition.CampaignValidation;
import dev.rapport.campaign.delivery.SendTimes;
import dev.rapport.campaign.journey.JourneySteps.Outcome;
import dev.rapport.campaign.journey.JourneySteps.Person;
import dev.rapport.campaign.journey.JourneySteps.Position;
import dev.rapport.campaign.journey.JourneySteps.Status;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.TriggerCampaignRequest;
import dev.rapport.proto.campaign.v1.TriggerCampaignResponse;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.segment.v1.ListMembershipsRequest;
import dev.rapport.proto.segment.v1.Membership;
import dev.rapport.proto.segment.v1.SegmentService;
import io.quarkus.grpc.GrpcClient;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.db.StoredJson;
import dev.rapport.runtime.event.Envelopes;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Triggered campaigns: a person who does a journey's trigger event enters it (once per event, never twice at the same
 * time, again only after the re-entry time); their run takes its steps as their timers fall due, moves on when the
 * event it waits for comes, and leaves on an exit event. A send step plans a delivery, which Broadcasts sends with
 * every check a message gets. Runs are rows: each move, with the deliveries it plans, commits in one transaction, so
 * a restart loses no one and takes no step twice.
 */
@ApplicationScoped
public class Journeys {
    private static final Logger LOG = Logger.getLogger(Journeys.class);
    private static final int BATCH = 200;
    private static final int BATCHES_PER_TICK = 10;
    // A device's clock may run a little behind: an event stamped just before the activation still counts.
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final Duration ACTIVE_FOR = Duration.ofSeconds(1);
    private static final Duration SEGMENT_ECHO = Duration.ofMinutes(1);
    private static final int LOOK_UPS_AT_ONCE = 16;
    private static final Duration LOOK_UP_TIMEOUT = Duration.ofSeconds(5);

    /** How long a run whose person could not be looked up waits before it is tried again. */
    private static final Duration LOOK_UP_AGAIN = Duration.ofSeconds(30);

    private final Pool pool;
    private final Clock clock;
    private final Duration freshness;
    private final ProfileService profiles;
    private final SegmentService segments;
    private final AttributeUpdates updates;
    private volatile Uni<Map<UUID, Active>> active;

    /** An active triggered campaign, since when it is active, and the events it waits for or leaves on (read once). */
    record Active(UUID campaign, Journey journey, Instant since, java.util.Set<String> watched) {
        Active(UUID campaign, Journey journey, Instant since) {
            this(campaign, journey, since, java.util.stream.Stream.concat(journey.getExitEventsList().stream(), journey.getStepsList().stream()
                    .filter(step -> step.hasWaitForEvent()).map(step -> step.getWaitForEvent().getEvent())).collect(java.util.stream.Collectors.toSet()));
        }

        boolean watches(String event) {
            return watched.contains(event);
        }
    }

    Journeys(Pool pool, Clock clock, CampaignConfig config, @GrpcClient("profile") ProfileService profiles,
            @GrpcClient("segment") SegmentService segments, AttributeUpdates updates) {
        this.pool = pool;
        this.clock = clock;
        this.freshness = config.triggerFreshness();
        this.profiles = profiles;
        this.segments = segments;
        this.updates = updates;
        forget();
    }

    /** Reads the active journeys again at the next event (a campaign was activated, paused or ended here). */
    public final void forget() {
        active = pool.query("SELECT id, journey::text AS journey, update_time FROM campaign WHERE status = 'ACTIVE' AND journey IS NOT NULL")
                .execute()
                .map(rows -> {
                    Map<UUID, Active> journeys = new HashMap<>();
                    rows.forEach(row -> journeys.put(row.getUUID("id"),
                            new Active(row.getUUID("id"), journey(row.getString("journey")), row.getOffsetDateTime("update_time").toInstant())));
                    return journeys;
                })
                // other replicas change campaigns too: read again at most a second later
                .memoize().atLeast(ACTIVE_FOR);
    }

    /**
     * An event was recorded: it may take people out, move on runs waiting for it, and start runs.
     * {@code traceparent}: the trace of the request that recorded it, kept with the runs it starts (may be null).
     */
    public Uni<Void> onEvent(UUID profile, Event event, String traceparent) {
        String name = event.getName();
        Instant occurred = Envelopes.instant(event.getOccurTime());
        return active.flatMap(journeys -> {
            Uni<Void> moved = journeys.values().stream().anyMatch(j -> j.watches(name))
                    ? moveOn(profile, name, occurred, journeys) : Uni.createFrom().voidItem();
            List<Active> triggered = journeys.values().stream().filter(j -> j.journey().getTriggerEvent().equals(name)).toList();
            return moved.flatMap(x -> Multi.createFrom().iterable(triggered)
                    .onItem().transformToUniAndConcatenate(j -> enter(j, profile, event.getId(), event.getProperties(), occurred, traceparent, 0))
                    .collect().last().replaceWithVoid());
        });
    }

    /**
     * A member entered a segment (segment.membership): journeys triggered by it start a run, once per announcement
     * ({@code announcement}: the message's id), with the segment as {@code event}.
     */
    public Uni<Void> onSegmentEntered(UUID profile, String segment, long version, String announcement, Instant entered, String traceparent) {
        return active.flatMap(journeys -> Multi.createFrom().iterable(journeys.values().stream()
                        .filter(j -> JourneySteps.segmentId(j.journey().getTriggerSegmentId()).equals(JourneySteps.segmentId(segment))).toList())
                .onItem().transformToUniAndConcatenate(j -> enter(j, profile, "segment:" + announcement, Struct.newBuilder()
                        .putFields("segment_id", Value.newBuilder().setStringValue(segment).build())
                        .putFields("segment_version", Value.newBuilder().setNumberValue(version).build()).build(), entered, traceparent,
                        // segment-service may announce one entry twice (a retried transaction, a new id): a second entry
                        // within a minute is taken for the same one
                        SEGMENT_ECHO.toSeconds()))
                .collect().last().replaceWithVoid());
    }

    /**
     * A partner app's call puts a person into an active journey triggered by the API, with its payload; the same
     * trigger id twice enters once.
     */
    public Uni<TriggerCampaignResponse> trigger(TriggerCampaignRequest request, String traceparent) {
        List<InvalidInput.Violation> problems = new ArrayList<>();
        UUID campaign = valid(problems, "campaign_id", request.getCampaignId(), "a campaign id");
        UUID profile = valid(problems, "profile_id", request.getProfileId(), "a profile id");
        if (request.getTriggerId().isBlank() || request.getTriggerId().length() > 200) {
            problems.add(new InvalidInput.Violation("trigger_id", "your id for this trigger, 1 to 200 characters"));
        }
        if (request.getProperties().getSerializedSize() > 16 * 1024) {
            problems.add(new InvalidInput.Violation("properties", "at most 16 KiB"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
        return trigger(campaign, profile, request.getTriggerId(), request.getProperties(), traceparent)
                .map(whyNot -> TriggerCampaignResponse.newBuilder().setEntered(whyNot == null).setReason(whyNot == null ? "" : whyNot).build());
    }

    private static UUID valid(List<InvalidInput.Violation> problems, String field, String id, String what) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            problems.add(new InvalidInput.Violation(field, what));
            return null;
        }
    }

    private Uni<String> trigger(UUID campaign, UUID profile, String triggerId, Struct properties, String traceparent) {
        return active.flatMap(journeys -> {
            Active journey = journeys.get(campaign);
            if (journey == null || !journey.journey().getApiTrigger()) {
                throw io.grpc.Status.FAILED_PRECONDITION.withDescription("campaign " + campaign
                        + " is not an active journey triggered by the API").asRuntimeException();
            }
            Instant now = clock.instant();
            return enter(journey, profile, "api:" + triggerId, properties, now, traceparent, 0);
        });
    }

    /** Starts a run unless the trigger is stale, was seen, or the person may not enter now: null when entered, else why not. */
    private Uni<String> enter(Active journey, UUID profile, String triggerId, Struct triggerProperties, Instant occurred, String traceparent,
            long atLeastApartSeconds) {
        Instant now = clock.instant();
        // History loaded or replayed later, and what happened before the campaign was on, start nothing.
        if (occurred.isBefore(now.minus(freshness)) || occurred.isBefore(journey.since().minus(CLOCK_SKEW))) {
            return Uni.createFrom().item("the trigger is older than the campaign or than " + freshness);
        }
        long reentry = Math.max(atLeastApartSeconds,
                journey.journey().hasReentryAfter() ? CampaignValidation.java(journey.journey().getReentryAfter()).toSeconds() : 0);
        String properties;
        try {
            properties = JsonFormat.printer().print(triggerProperties);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("event properties that cannot be printed", e);
        }
        // ON CONFLICT: the same event again, or a concurrent entry of the same person, starts nothing. What is due at
        // once (up to the first wait, a message at the start) is taken with the entry, so an event right after finds
        // the run waiting for it.
        UUID run = UUID.randomUUID();
        Position start = new Position(0, now, Status.RUNNING);
        return pool.withTransaction(tx -> tx.preparedQuery("""
                INSERT INTO journey_run (id, campaign_id, profile_id, trigger_event_id, trigger_properties, entry_time, status, step, step_time, due_time,
                                         traceparent)
                SELECT $1, $2, $3, $4, ($5::text)::jsonb, $6, 'running', 0, $7, $7, $9
                WHERE NOT EXISTS (SELECT 1 FROM journey_run WHERE campaign_id = $2 AND profile_id = $3
                                  AND (status IN ('running', 'waiting') OR entry_time > $6::timestamptz - make_interval(secs => $8)))
                ON CONFLICT DO NOTHING""")
                // entered when it happened, or now for a device clock running ahead (a later order must still count)
                .execute(Tuple.from(List.of(run, journey.campaign(), profile, triggerId, properties,
                                utc(occurred.isAfter(now) ? now : occurred), utc(now)))
                        .addValue((double) reentry).addValue(traceparent))
                .flatMap(entered -> entered.rowCount() == 0 ? whyNot(tx, journey.campaign(), profile, triggerId)
                        : write(tx, run, start, advance(journey.journey(), start, now, Person.unknown(run, triggerProperties)),
                                profile, journey.campaign(), properties)
                                .replaceWith((String) null)));
    }

    /** Why a trigger entered no one: null when this very trigger entered them before (a retry answers as the first did). */
    private static Uni<String> whyNot(SqlClient sql, UUID campaign, UUID profile, String triggerId) {
        return sql.preparedQuery("""
                SELECT EXISTS (SELECT 1 FROM journey_run WHERE campaign_id = $1 AND trigger_event_id = $3 AND profile_id = $2) AS seen,
                       EXISTS (SELECT 1 FROM journey_run WHERE campaign_id = $1 AND trigger_event_id = $3 AND profile_id <> $2) AS taken,
                       EXISTS (SELECT 1 FROM journey_run WHERE campaign_id = $1 AND profile_id = $2 AND status IN ('running', 'waiting')) AS inside""")
                .execute(Tuple.of(campaign, profile, triggerId))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return row.getBoolean("seen") ? null : row.getBoolean("taken") ? "this trigger_id entered someone else"
                            : row.getBoolean("inside") ? "they are in this journey already"
                            : "they may not enter it again yet (reentry_after)";
                });
    }

    private Uni<Void> moveOn(UUID profile, String event, Instant occurred, Map<UUID, Active> journeys) {
        return pool.preparedQuery("SELECT id, campaign_id, status, step, step_time, entry_time FROM journey_run "
                        + "WHERE profile_id = $1 AND status IN ('running', 'waiting')")
                .execute(Tuple.of(profile))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(run -> {
                    Active journey = journeys.get(run.getUUID("campaign_id"));
                    // Only what happened after the trigger counts (a paused journey's people wait where they are).
                    if (journey == null || occurred.isBefore(run.getOffsetDateTime("entry_time").toInstant())) {
                        return Uni.createFrom().voidItem();
                    }
                    Position at = position(run);
                    if (journey.journey().getExitEventsList().contains(event)) {
                        // The run locked and read again (its timer may have moved it meanwhile), then out; what it planned
                        // and has not sent stays unsent — a delivery being sent holds its row, and one claimed but not yet
                        // sending finds its claim gone: "purchased → leave" means no reminder.
                        return pool.withTransaction(tx -> tx.preparedQuery("SELECT status, step, step_time FROM journey_run "
                                        + "WHERE id = $1 AND status IN ('running', 'waiting') FOR UPDATE")
                                .execute(Tuple.of(run.getUUID("id")))
                                .flatMap(locked -> {
                                    if (locked.size() == 0) {
                                        return Uni.createFrom().voidItem();
                                    }
                                    Position now = position(locked.iterator().next());
                                    return write(tx, run.getUUID("id"), now,
                                            new Outcome(new Position(now.step(), now.stepTime(), Status.EXITED), null, event, List.of()), profile,
                                            journey.campaign(), null);
                                })
                                .flatMap(x -> tx.preparedQuery("""
                                        UPDATE delivery SET status = 'skipped', reason = $4, published = false
                                        WHERE campaign_id = $1 AND profile_id = $2 AND occasion LIKE $3 AND status IN ('planned', 'sending')""")
                                        .execute(Tuple.of(journey.campaign(), profile, run.getUUID("id") + "/%",
                                                "left the journey (" + event + ") before it was sent"))
                                        .replaceWithVoid()));
                    }
                    if (!JourneySteps.waitsFor(journey.journey(), at, event)) {
                        return Uni.createFrom().voidItem();
                    }
                    return pool.withTransaction(tx -> tx.preparedQuery(
                                    "SELECT trigger_properties::text AS properties FROM journey_run WHERE id = $1 AND status = 'waiting' AND step = $2 FOR UPDATE")
                            .execute(Tuple.of(run.getUUID("id"), at.step()))
                            .flatMap(locked -> {
                                if (locked.size() == 0) {
                                    return Uni.createFrom().voidItem();
                                }
                                String properties = locked.iterator().next().getString("properties");
                                Person person = Person.unknown(run.getUUID("id"), struct(properties));
                                return write(tx, run.getUUID("id"), at, JourneySteps.eventArrived(journey.journey(), at, event, clock.instant(), person),
                                        profile, journey.campaign(), properties);
                            }));
                })
                .collect().last().replaceWithVoid();
    }

    @Scheduled(every = "${rapport.campaign.delivery-interval:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> tick() {
        return takeDueSteps().replaceWithVoid()
                .onFailure().invoke(f -> LOG.warnf("journey steps not taken yet (retried): %s", f.toString()))
                .onFailure().recoverWithNull();
    }

    /** Takes the steps whose time has come, a batch per transaction, until none is due; answers how many runs moved. */
    public Uni<Integer> takeDueSteps() {
        return Multi.createBy().repeating().uni(this::takeBatch).whilst(n -> n == BATCH)
                .select().first(BATCHES_PER_TICK)
                .collect().with(java.util.stream.Collectors.summingInt(n -> n));
    }

    private Uni<Integer> takeBatch() {
        Instant now = clock.instant();
        // Whom the due steps need to know about (time zone, segments) is looked up first, outside the transaction: no
        // run's row stays locked while other services answer.
        // each campaign's journey read once for the batch, not once per run
        Map<UUID, Journey> journeys = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.function.Function<Row, Journey> journeyOf = run -> journeys.computeIfAbsent(run.getUUID("campaign_id"),
                id -> journey(run.getString("journey")));
        return dueRuns(pool, now, false)
                .flatMap(unlocked -> Multi.createFrom().iterable(unlocked)
                        .filter(run -> JourneySteps.needsLookUp(journeyOf.apply(run), run.getInteger("step")))
                        .onItem().transformToUni(run -> lookUp(journeyOf.apply(run), run)).merge(LOOK_UPS_AT_ONCE)
                        .collect().asMap(Looked::run, looked -> looked))
                .flatMap(looked -> pool.withTransaction(tx -> dueRuns(tx, now, true).flatMap(due -> Multi.createFrom().iterable(due)
                            .onItem().transformToUniAndConcatenate(run -> {
                                Journey journey = journeyOf.apply(run);
                                Position at = position(run);
                                UUID id = run.getUUID("id");
                                Person person = Person.unknown(id, struct(run.getString("properties")));
                                if (JourneySteps.needsLookUp(journey, at.step())) {
                                    Looked found = looked.get(id);
                                    if (found == null || found.step() != at.step()) {
                                        return Uni.createFrom().voidItem(); // due since the look-ups: the next round looks
                                    }
                                    if (found.failure() != null) {
                                        return notLookedUp(tx, run, at, found.failure());
                                    }
                                    person = found.person();
                                }
                                return write(tx, id, at, advance(journey, at, now, person), run.getUUID("profile_id"), run.getUUID("campaign_id"),
                                        run.getString("properties"));
                            })
                            .collect().last().replaceWith(due.size()))));
    }

    /** The runs whose time has come, oldest first; locked (others skipped) when {@code lock}. */
    private static Uni<List<Row>> dueRuns(SqlClient sql, Instant now, boolean lock) {
        return sql.preparedQuery("""
                        SELECT r.id, r.campaign_id, r.profile_id, r.status, r.step, r.step_time, r.entry_time,
                               r.trigger_properties::text AS properties, c.journey::text AS journey
                        FROM journey_run r JOIN campaign c ON c.id = r.campaign_id
                        WHERE c.status = 'ACTIVE' AND r.status IN ('running', 'waiting') AND r.due_time <= $1
                        ORDER BY r.due_time LIMIT $2""" + (lock ? " FOR UPDATE OF r SKIP LOCKED" : ""))
                .execute(Tuple.of(utc(now), BATCH))
                .map(rows -> {
                    List<Row> due = new ArrayList<>();
                    rows.forEach(due::add);
                    return due;
                });
    }

    /**
     * Where a run goes from here. A step that cannot be taken (a stored journey this version cannot follow) ends that
     * run, said why, instead of failing the batch and holding every other run back behind it.
     */
    private static Outcome advance(Journey journey, Position at, Instant now, Person person) {
        try {
            return JourneySteps.advance(journey, at, now, person);
        } catch (RuntimeException e) {
            LOG.errorf(e, "a journey run could not take step %d; it leaves the journey", at.step() + 1);
            return new Outcome(new Position(at.step(), at.stepTime(), Status.EXITED), null,
                    "step " + (at.step() + 1) + " could not be taken", List.of());
        }
    }

    /** A person as a run's step needs them, looked up for that step; a failure to look them up says why. */
    private record Looked(UUID run, int step, Person person, Throwable failure) {
    }

    private Uni<Looked> lookUp(Journey journey, Row run) {
        UUID id = run.getUUID("id");
        int step = run.getInteger("step");
        Person unknown = Person.unknown(id, struct(run.getString("properties")));
        String profile = run.getUUID("profile_id").toString();
        Uni<Profile> found = JourneySteps.needsProfile(journey)
                ? profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(profile).build()) : Uni.createFrom().item(Profile.getDefaultInstance());
        Uni<java.util.Set<String>> in = JourneySteps.needsSegments(journey)
                ? segments.listMemberships(ListMembershipsRequest.newBuilder().setProfileId(profile).build())
                        .map(m -> m.getMembershipsList().stream().map(Membership::getSegmentId).map(JourneySteps::segmentId)
                                .collect(java.util.stream.Collectors.toSet()))
                : Uni.createFrom().item(java.util.Set.of());
        return Uni.combine().all().unis(found, in).asTuple()
                .ifNoItem().after(LOOK_UP_TIMEOUT).fail()
                .map(t -> new Looked(id, step, new Person(id, unknown.trigger(), t.getItem2(), SendTimes.zoneOf(t.getItem1()),
                        SendTimes.bestHourOfDay(t.getItem1().getTraits().getEngagementByHourOfWeekList())), null))
                .onFailure().recoverWithItem(f -> new Looked(id, step, null, f));
    }

    /**
     * A run whose person could not be looked up: one no longer known (erased, merged away) leaves; otherwise it tries
     * again a little later (profile-service or segment-service away), where it is.
     */
    private Uni<Void> notLookedUp(SqlClient sql, Row run, Position at, Throwable failure) {
        if (failure instanceof io.grpc.StatusRuntimeException s && s.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
            return write(sql, run.getUUID("id"), at, new Outcome(new Position(at.step(), at.stepTime(), Status.EXITED), null,
                    "the person is no longer known", List.of()), run.getUUID("profile_id"), run.getUUID("campaign_id"), null);
        }
        LOG.warnf("a journey step waits to look its person up (tried again in %d s): %s", LOOK_UP_AGAIN.toSeconds(), failure.toString());
        return sql.preparedQuery("UPDATE journey_run SET due_time = $2 WHERE id = $1")
                .execute(Tuple.of(run.getUUID("id"), utc(clock.instant().plus(LOOK_UP_AGAIN)))).replaceWithVoid();
    }

    /** Writes where a run is now and plans the deliveries of the send steps it passed (each occasion once). */
    private Uni<Void> write(SqlClient sql, UUID run, Position from, Outcome outcome, UUID profile, UUID campaign, String properties) {
        Position to = outcome.position();
        boolean ended = to.status() == Status.COMPLETED || to.status() == Status.EXITED;
        Uni<Void> moved = sql.preparedQuery("""
                UPDATE journey_run SET status = $3, step = $4, step_time = $5, due_time = $6, exit_reason = $7,
                       end_time = CASE WHEN $8 THEN $9::timestamptz END,
                       path = CASE WHEN cardinality($10::text[]) = 0 THEN path ELSE concat_ws(' › ', path, array_to_string($10::text[], ' › ')) END
                WHERE id = $1 AND status IN ('running', 'waiting') AND step = $2""")
                .execute(Tuple.from(List.of(run, from.step(), to.status().column(), to.step(), utc(to.stepTime())))
                        .addValue(outcome.due() == null ? null : utc(outcome.due())).addValue(outcome.exitReason()).addValue(ended)
                        .addValue(utc(clock.instant())).addValue(outcome.paths().toArray(String[]::new)))
                .replaceWithVoid();
        if (!outcome.updates().isEmpty()) {
            moved = moved.flatMap(x -> AttributeUpdates.plan(sql, run, campaign, profile, outcome.updates(), clock.instant()));
        }
        if (outcome.sends().isEmpty()) {
            return moved;
        }
        return moved.flatMap(x -> sql.preparedQuery("""
                        INSERT INTO delivery (campaign_id, profile_id, occasion, status, trigger_properties, traceparent)
                        SELECT $1, $2, $3 || '/' || s, 'planned', ($4::text)::jsonb, (SELECT traceparent FROM journey_run WHERE id = $6)
                        FROM unnest($5::int[]) AS s
                        ON CONFLICT DO NOTHING""")
                .execute(Tuple.of(campaign, profile, run.toString(), properties, outcome.sends().toArray(Integer[]::new), run))
                .replaceWithVoid());
    }

    /** A triggered campaign's runs by where they are (and the paths they took), with its attribute updates, for its delivery summary. */
    public Uni<Map<String, Long>> runs(UUID campaign, Journey journey) {
        return whereRunsAre(campaign, journey).flatMap(runs -> updates.summary(campaign).map(updated -> {
            runs.putAll(updated);
            return runs;
        }));
    }

    private Uni<Map<String, Long>> whereRunsAre(UUID campaign, Journey journey) {
        return pool.preparedQuery("""
                        SELECT status, step, exit_reason, path, count(*) AS n FROM journey_run WHERE campaign_id = $1
                        GROUP BY status, step, exit_reason, path ORDER BY status, step""")
                .execute(Tuple.of(campaign))
                .map(rows -> {
                    Map<String, Long> runs = new LinkedHashMap<>();
                    rows.forEach(row -> {
                        String where = switch (row.getString("status")) {
                            case "running", "waiting" -> "at step " + (row.getInteger("step") + 1) + " ("
                                    + JourneySteps.kind(journey, row.getInteger("step")) + ")";
                            case "exited" -> "exited (" + row.getString("exit_reason") + ")";
                            default -> row.getString("status");
                        } + (row.getString("path") == null ? "" : " via " + row.getString("path"));
                        runs.merge(where, row.getLong("n"), Long::sum);
                    });
                    return runs;
                });
    }

    /** A campaign completed or archived: whoever is still on its way leaves (in the caller's transaction). */
    public static Uni<Void> endRuns(SqlClient sql, UUID campaign) {
        return sql.preparedQuery("""
                UPDATE journey_run SET status = 'exited', exit_reason = 'the campaign ended', due_time = NULL, end_time = now()
                WHERE campaign_id = $1 AND status IN ('running', 'waiting')""")
                .execute(Tuple.of(campaign)).replaceWithVoid();
    }

    private static Position position(Row run) {
        return new Position(run.getInteger("step"), run.getOffsetDateTime("step_time").toInstant(),
                Status.valueOf(run.getString("status").toUpperCase()));
    }

    private static Struct struct(String json) {
        return StoredJson.read(json, Struct.newBuilder(), "stored trigger properties");
    }

    private static Journey journey(String json) {
        return StoredJson.read(json, Journey.newBuilder(), "a stored journey");
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
