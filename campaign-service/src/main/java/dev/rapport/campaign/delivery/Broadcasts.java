package dev.rapport.campaign.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.campaign.config.CampaignConfig;
import dev.rapport.campaign.content.ConnectedContents;
import dev.rapport.campaign.definition.CampaignValidation;
import dev.rapport.campaign.definition.Campaigns;
import dev.rapport.campaign.experiment.Experiments;
import dev.rapport.runtime.db.StoredJson;
import dev.rapport.campaign.journey.Journeys;
import dev.rapport.campaign.support.MarketingHolds;
import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.privacy.ConsentView;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.DeliverySummary;
import dev.rapport.proto.campaign.v1.MessagePreview;
import dev.rapport.proto.campaign.v1.QuietHours;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.segment.v1.MutinySegmentServiceGrpc;
import dev.rapport.proto.segment.v1.StreamMembersRequest;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.Progress;
import dev.rapport.runtime.trace.Traces;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Sends what campaigns planned: a broadcast's audience is drawn once from the segment into planned deliveries, a
 * journey plans its own (Journeys). A sender claims due deliveries with a lease (a sender that dies leaves them to be
 * claimed again), and for each person checks, at send time, that it is their time (best hour, quiet hours: else the
 * delivery waits, once, until it is), that they are still known, have an address, have a basis for the campaign's
 * purpose on this channel (the consent view, the shared policy), are not held after a bad support experience and are
 * under the frequency caps — then renders their variant and sends it. Every outcome is recorded: sent, skipped with
 * why, or failed after retries.
 */
@ApplicationScoped
public class Broadcasts {
    private static final Logger LOG = Logger.getLogger(Broadcasts.class);
    // A claim is as large as two rounds of concurrent sends, each bounded by SEND_TIMEOUT: every claimed delivery is
    // done (or given up) within its lease, so no other sender re-claims one still being sent. Inside it, the hand-off
    // (connected content, render, channel) is bounded by HANDOFF_TIMEOUT, so that the transaction holding the delivery's
    // row always ends before SEND_TIMEOUT gives up on it: a hand-off that never answers (a mail server that went away)
    // rolls back instead of leaving the row locked under an abandoned transaction.
    private static final int CONCURRENCY = 8;
    private static final int CLAIM = 2 * CONCURRENCY;
    private static final Duration HANDOFF_TIMEOUT = Duration.ofSeconds(15);
    private static final Duration SEND_TIMEOUT = HANDOFF_TIMEOUT.plusSeconds(5);
    private static final Duration LEASE = SEND_TIMEOUT.multipliedBy(3);
    private static final Duration TICK_BUDGET = Duration.ofSeconds(30);
    private static final int MAX_ATTEMPTS = 5;
    private static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);
    private static final Duration DRAW_RETRY = Duration.ofSeconds(30);

    private final Pool pool;
    private final Campaigns campaigns;
    private final MutinySegmentServiceGrpc.MutinySegmentServiceStub segments;
    private final ProfileService profiles;
    private final ConsentView consent;
    private final ConsentPolicy policy;
    private final MarketingHolds holds;
    private final EmailChannel email;
    private final UnsubscribeLinks links;
    private final FrequencyCaps caps;
    private final Journeys journeys;
    private final Clock clock;
    private final Optional<QuietHours> serviceQuietHours;
    private final Tracer tracer;
    private final ConnectedContents contents;
    private final HttpChannels channels;
    private final Clicks clicks;
    private final Inbox inbox;
    private final Experiments experiments;
    private final java.util.Set<UUID> touched = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Map<UUID, Long> reportedAt = new java.util.concurrent.ConcurrentHashMap<>();

    Broadcasts(Tracer tracer, ConnectedContents contents, HttpChannels channels, Clicks clicks, Inbox inbox, Pool pool, Campaigns campaigns, @GrpcClient("segment") MutinySegmentServiceGrpc.MutinySegmentServiceStub segments,
            @GrpcClient("profile") ProfileService profiles, ConsentView consent, ConsentPolicy policy, MarketingHolds holds,
            EmailChannel email, UnsubscribeLinks links, FrequencyCaps caps, Journeys journeys, Clock clock, CampaignConfig config,
            Experiments experiments) {
        this.tracer = tracer;
        this.experiments = experiments;
        this.contents = contents;
        this.channels = channels;
        this.clicks = clicks;
        this.inbox = inbox;
        this.clock = clock;
        this.serviceQuietHours = config.quietHours().map(q -> QuietHours.newBuilder().setStartHour(q.startHour()).setEndHour(q.endHour())
                .setDrop(q.drop().orElse(false)).build());
        this.caps = caps;
        this.journeys = journeys;
        this.pool = pool;
        this.campaigns = campaigns;
        this.segments = segments;
        this.profiles = profiles;
        this.consent = consent;
        this.policy = policy;
        this.holds = holds;
        this.email = email;
        this.links = links;
    }

    @Scheduled(every = "${rapport.campaign.delivery-interval:1s}", delayed = "3s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> tick() {
        // Round after round while rounds come back full, for at most TICK_BUDGET: a large audience goes out at the
        // pace the checks and the mail server allow, not a round per tick.
        long until = System.nanoTime() + TICK_BUDGET.toNanos();
        return drawAudiences().flatMap(x -> Multi.createBy().repeating().uni(this::round)
                .whilst(claimed -> claimed == CLAIM && System.nanoTime() < until)
                .collect().last().replaceWithVoid())
                .call(this::reportProgress);
    }

    /** One round of due deliveries. */
    public Uni<Void> deliverDue() {
        return round().replaceWithVoid();
    }

    /** Active broadcasts whose audience is not drawn yet: the segment's members become planned deliveries, once. */
    public Uni<Void> drawAudiences() {
        return pool.query("""
                SELECT id, segment_id FROM campaign WHERE status = 'ACTIVE' AND NOT audience_drawn AND segment_id IS NOT NULL
                  AND (audience_retry_time IS NULL OR audience_retry_time <= now())
                ORDER BY audience_retry_time NULLS FIRST, create_time LIMIT 5""")
                .execute()
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> draw(row.getUUID("id"), row.getUUID("segment_id")))
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> draw(UUID campaign, UUID segment) {
        return campaigns.get(campaign.toString()).onItem().transformToMulti(definition -> segments.withDeadlineAfter(10, java.util.concurrent.TimeUnit.MINUTES)
                .streamMembers(StreamMembersRequest.newBuilder().setSegmentId(segment.toString()).build())
                .map(member -> UUID.fromString(member.getProfileId()))
                .group().intoLists().of(1000)
                .onItem().transformToUniAndConcatenate(batch -> {
                    // With an automatic winner, those outside the test wait for it: due decide_after from now.
                    boolean choosing = definition.hasExperiment() && definition.getExperiment().hasAutoWinner();
                    Boolean[] rollout = batch.stream().map(p -> choosing && !Experiments.inTest(definition, p)).toArray(Boolean[]::new);
                    double wait = choosing ? CampaignValidation.java(definition.getExperiment().getAutoWinner().getDecideAfter()).toSeconds() : 0;
                    return pool.preparedQuery("""
                            INSERT INTO delivery (campaign_id, profile_id, status, rollout, due_time)
                            SELECT $1, u.p, 'planned', u.r, CASE WHEN u.r THEN now() + make_interval(secs => $4) ELSE now() END
                            FROM unnest($2::uuid[], $3::bool[]) AS u(p, r)
                            ON CONFLICT DO NOTHING""").execute(Tuple.of(campaign, batch.toArray(UUID[]::new), rollout, wait));
                }))
                .collect().last()
                .flatMap(x -> pool.preparedQuery("UPDATE campaign SET audience_drawn = true WHERE id = $1").execute(Tuple.of(campaign)))
                .replaceWithVoid()
                .onFailure().call(f -> {
                    LOG.warnf("audience of campaign %s not drawn yet (retried in %d s): %s", campaign, DRAW_RETRY.toSeconds(), f.toString());
                    // after the others: a broadcast that cannot be drawn (its segment deleted) never holds them back
                    return pool.preparedQuery("UPDATE campaign SET audience_retry_time = now() + make_interval(secs => $2) WHERE id = $1")
                            .execute(Tuple.of(campaign, (double) DRAW_RETRY.toSeconds())).onFailure().recoverWithNull();
                })
                .onFailure().recoverWithNull();
    }

    /** Claims due deliveries of active campaigns (with a lease) and delivers each. */
    private Uni<Integer> round() {
        return pool.preparedQuery("""
                UPDATE delivery d SET status = 'sending', attempts = d.attempts + 1, due_time = now() + make_interval(secs => $2)
                FROM (SELECT d2.campaign_id, d2.profile_id, d2.occasion FROM delivery d2 JOIN campaign c ON c.id = d2.campaign_id
                      WHERE c.status = 'ACTIVE' AND d2.status IN ('planned', 'sending') AND d2.due_time <= now()
                      ORDER BY d2.due_time LIMIT $1 FOR UPDATE OF d2 SKIP LOCKED) due
                WHERE d.campaign_id = due.campaign_id AND d.profile_id = due.profile_id AND d.occasion = due.occasion
                RETURNING d.campaign_id, d.profile_id, d.occasion, d.attempts, d.deferred, d.trigger_properties::text AS trigger_properties,
                          d.traceparent, d.rollout""")
                .execute(Tuple.of(CLAIM, (double) LEASE.toSeconds()))
                .onItem().transformToMulti(rows -> {
                    // Each claimed campaign read once per round, not once per person.
                    Map<UUID, Uni<Campaign>> claimed = new HashMap<>();
                    rows.forEach(row -> claimed.computeIfAbsent(row.getUUID("campaign_id"),
                            id -> campaigns.get(id.toString()).memoize().indefinitely()));
                    rows.forEach(row -> {
                        if (row.getString("occasion").isEmpty()) {
                            touched.add(row.getUUID("campaign_id")); // a broadcast's: its progress is reported
                        }
                    });
                    return Multi.createFrom().iterable(rows).map(row -> Map.entry(row, claimed.get(row.getUUID("campaign_id"))));
                })
                .onItem().transformToUni(claim -> {
                    Claim claimed = Claim.of(claim.getKey());
                    return claim.getValue()
                            .flatMap(c -> c.getStatus() == Campaign.Status.ACTIVE ? deliver(c, claimed.of(c)) : release(c, claimed))
                            // One delivery's trouble neither cancels the others nor loses their outcomes; its lease brings it back.
                            .onFailure().invoke(f -> LOG.warnf("a delivery was not recorded (its lease brings it back): %s", f.toString()))
                            .onFailure().recoverWithNull()
                            .replaceWith(1); // counted: a Multi drops the null a Uni<Void> emits
                })
                .merge(CONCURRENCY)
                .collect().with(java.util.stream.Collectors.counting()).map(Long::intValue)
                .onFailure().invoke(f -> LOG.warnf("delivery round failed (retried): %s", f.toString()))
                .onFailure().recoverWithItem(0);
    }

    /**
     * How a delivery ended this time; {@code recorded} when it was written with the send, in its transaction;
     * {@code until}: a deferred delivery's new due time.
     */
    private record Outcome(String status, String reason, Integer variant, boolean retry, boolean recorded, Instant until) {
        Outcome(String status, String reason, Integer variant, boolean retry) {
            this(status, reason, variant, retry, false, null);
        }

        static Outcome skipped(String reason) {
            return new Outcome("skipped", reason, null, false);
        }

        Outcome asRecorded() {
            return new Outcome(status, reason, variant, retry, true, until);
        }
    }

    /**
     * One claimed delivery: a campaign's message to a person on one occasion, with the trigger's properties if any.
     * {@code arm}: the person's arm of the campaign's experiment, hashed once (null without an experiment);
     * {@code traceparent}: the trace of the request that caused it (a journey's trigger), or null.
     */
    private record Claim(UUID person, String occasion, int attempts, Struct event, boolean deferred, Integer arm, String traceparent,
            boolean rollout) {
        static Claim of(Row row) {
            Struct event = row.getString("trigger_properties") == null ? Struct.getDefaultInstance()
                    : StoredJson.read(row.getString("trigger_properties"), Struct.newBuilder(), "stored trigger properties");
            return new Claim(row.getUUID("profile_id"), row.getString("occasion"), row.getInteger("attempts"), event,
                    row.getBoolean("deferred"), null, row.getString("traceparent"), row.getBoolean("rollout"));
        }

        Claim of(Campaign campaign) {
            return new Claim(person, occasion, attempts, event, deferred, campaign.hasExperiment() ? Experiments.arm(campaign, person) : null,
                    traceparent, rollout);
        }

        /** The rest of an experiment's audience gets the winner's arm. */
        Claim withArm(int winner) {
            return new Claim(person, occasion, attempts, event, deferred, winner, traceparent, rollout);
        }

        Tuple key(Campaign campaign) {
            return Tuple.of(UUID.fromString(campaign.getId()), person, occasion, attempts);
        }
    }

    private Uni<Void> deliver(Campaign campaign, Claim claim) {
        // A span of the trace that caused it (the trigger's request), however much later it is sent: one trace from
        // the event to the message.
        Span span = Traces.continued(tracer, "deliver " + campaign.getChannel(), claim.traceparent());
        if (span == null) {
            return attempt(campaign, claim).replaceWithVoid();
        }
        span.setAttribute("rapport.campaign.id", campaign.getId()).setAttribute("rapport.delivery.occasion", claim.occasion())
                .setAttribute("rapport.delivery.attempt", claim.attempts());
        return attempt(campaign, claim).invoke(outcome -> span.setAttribute("rapport.delivery.status", outcome.status())
                        .setStatus(outcome.status().equals("failed") ? StatusCode.ERROR : StatusCode.UNSET))
                .onFailure().invoke(f -> span.setStatus(StatusCode.ERROR, f.getClass().getSimpleName()))
                .onTermination().invoke(span::end)
                .replaceWithVoid();
    }

    private Uni<Outcome> attempt(Campaign campaign, Claim claim) {
        if (!claim.rollout()) {
            return attemptAs(campaign, claim);
        }
        // The rest of an experiment's audience, due once the test has had its time: the winner's message, or nothing.
        return experiments.winner(campaign).flatMap(winner -> {
            if (!winner.decided()) {
                Outcome later = new Outcome("waiting", "waiting for the experiment's winner: " + winner.reason(), null, false, false, winner.until());
                return record(pool, campaign, claim, later).replaceWith(later);
            }
            if (winner.arm() != null) {
                return attemptAs(campaign, claim.withArm(winner.arm()));
            }
            Outcome none = Outcome.skipped("the experiment's control group did better: no message");
            return record(pool, campaign, claim, none).replaceWith(none);
        });
    }

    private Uni<Outcome> attemptAs(Campaign campaign, Claim claim) {
        int attempts = claim.attempts();
        return profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(claim.person().toString()).build())
                .flatMap(profile -> decide(campaign, claim, profile))
                .ifNoItem().after(SEND_TIMEOUT).fail()
                .onFailure(f -> f instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND)
                .recoverWithItem(Outcome.skipped("the person is no longer known (erased or merged)"))
                // a provider that refused the message for good: retrying cannot help
                .onFailure(HttpChannels.Refused.class).recoverWithItem(f -> new Outcome("failed", f.getMessage(), null, false))
                .onFailure().recoverWithItem(f -> attempts >= MAX_ATTEMPTS ? new Outcome("failed", reason(f), null, false)
                        : new Outcome("planned", reason(f), null, true))
                .call(outcome -> outcome.recorded() ? Uni.createFrom().voidItem() : record(pool, campaign, claim, outcome));
    }

    /** The message was not handed over in time (rolled back: it is tried again, or given up after MAX_ATTEMPTS). */
    private static final class HandOffTimeout extends RuntimeException {
        HandOffTimeout() {
            super("not handed over within " + HANDOFF_TIMEOUT.toSeconds() + " s", null, false, false);
        }
    }

    /** What a failure says, without internals (hosts, stack traces): the class of trouble. */
    private static String reason(Throwable failure) {
        if (failure instanceof HandOffTimeout) {
            return failure.getMessage();
        }
        if (failure instanceof StatusRuntimeException status) {
            return "a service answered " + status.getStatus().getCode();
        }
        if (failure instanceof io.smallrye.mutiny.TimeoutException) {
            return "no answer within " + SEND_TIMEOUT.toSeconds() + " s";
        }
        return "sending failed (" + failure.getClass().getSimpleName() + ")";
    }

    private Uni<Outcome> decide(Campaign campaign, Claim claim, Profile profile) {
        boolean promotional = CampaignValidation.isPromotional(campaign.getPurpose());
        SendTimes.Decision when = SendTimes.decide(clock.instant(), SendTimes.zoneOf(profile),
                // moved once already: only quiet hours may move it again
                claim.deferred() ? campaign.getSendTime().toBuilder().setBestHour(false).build() : campaign.getSendTime(),
                promotional ? serviceQuietHours : Optional.empty(),
                SendTimes.bestHourOfDay(profile.getTraits().getEngagementByHourOfWeekList()));
        if (when.dropped()) {
            return Uni.createFrom().item(Outcome.skipped(when.why()));
        }
        if (when.later(clock.instant())) {
            return Uni.createFrom().item(new Outcome("deferred", when.why(), null, false, false, when.at()));
        }
        String channel = campaign.getChannel();
        Optional<String> unconnected = channel.equals("email") || channel.equals("in_app") ? Optional.empty() : channels.unavailable(channel);
        if (unconnected.isPresent()) {
            return Uni.createFrom().item(Outcome.skipped(unconnected.get()));
        }
        String address = address(channel, profile);
        if (address == null) {
            return Uni.createFrom().item(Outcome.skipped("no " + ADDRESSES.get(channel).replace('_', ' ')));
        }
        ConsentPolicy.Basis basis = policy.basis(consent.of(profile.getId()), campaign.getPurpose(), channel, false);
        if (!basis.allowed()) {
            return Uni.createFrom().item(Outcome.skipped("no basis for " + campaign.getPurpose() + " by " + channel + " (" + basis.basis() + ")"));
        }
        Uni<Boolean> held = promotional ? holds.holdFor(UUID.fromString(profile.getId())).map(h -> h.getHeld()) : Uni.createFrom().item(false);
        return held.flatMap(isHeld -> {
            if (isHeld) {
                return Uni.createFrom().item(Outcome.skipped("held after a bad support experience"));
            }
            // An experiment's arm: the control group passed every check above and gets nothing; the others their arm's message.
            if (claim.arm() != null && campaign.getExperiment().getArms(claim.arm()).getControl()) {
                return Uni.createFrom().item(new Outcome("held_out", "control group of the experiment", null, false));
            }
            Campaign sending = claim.arm() != null ? Experiments.forArm(campaign, claim.arm()) : campaign;
            // Connected content is fetched once the caps allowed the message: nothing of the person goes out for one not sent.
            return whileClaimed(campaign, claim, promotional, tx -> contents.fetch(campaign, profile)
                    .flatMap(content -> content.skipped() != null ? Uni.createFrom().item(MessagePreview.newBuilder()
                                    .setSent(false).setReason(content.skipped()).build())
                            : Uni.createFrom().item(() -> Campaigns.preview(sending, attributes(profile), () -> traits(profile), claim.event(), content.values()))
                                    .runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                    .flatMap(message -> message.getSent() ? send(tx, campaign, profile, claim, address, message, promotional)
                            : Uni.createFrom().item(Outcome.skipped(message.getReason()))));
        });
    }

    /**
     * Sends only while the delivery is still this sender's claim, its row locked until the mail is handed over and
     * recorded as sent in the same transaction: an erasure (which deletes the row) waits for a send under way, and a
     * send after it finds no row and sends nothing (nor is anything recorded: the row is gone). A promotional message
     * also locks its person, for the frequency caps: their count includes every message sent before it.
     */
    private Uni<Outcome> whileClaimed(Campaign campaign, Claim claim, boolean promotional, Function<SqlClient, Uni<Outcome>> send) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                        SELECT 1 FROM delivery WHERE campaign_id = $1 AND profile_id = $2 AND occasion = $3 AND status = 'sending' AND attempts = $4
                        FOR UPDATE""")
                .execute(claim.key(campaign))
                .flatMap(claimed -> {
                    if (claimed.size() == 0) {
                        return Uni.createFrom().item(Outcome.skipped("no longer claimed (erased or taken over)").asRecorded());
                    }
                    Uni<java.util.Optional<String>> capped = !promotional ? Uni.createFrom().item(java.util.Optional.empty())
                            : tx.preparedQuery("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))").execute(Tuple.of(claim.person().toString()))
                                    .flatMap(locked -> caps.check(tx, campaign, claim.person(), claim.occasion()));
                    return capped.flatMap(why -> why.isPresent() ? Uni.createFrom().item(Outcome.skipped(why.get()))
                            : send.apply(tx).ifNoItem().after(HANDOFF_TIMEOUT).failWith(() -> new HandOffTimeout())
                                    .call(sent -> record(tx, campaign, claim, sent)).map(Outcome::asRecorded));
                }));
    }

    /** The use an open image serves: counting who was reached, for the campaign's results. */
    static final String OPEN_TRACKING = "analytics.reporting.campaign_insights";

    private Uni<Outcome> send(SqlClient tx, Campaign campaign, Profile profile, Claim claim, String to, MessagePreview message,
            boolean promotional) {
        // A header is one line: whatever a profile's data brings into the subject stays inside it.
        String subject = message.getSubject().replaceAll("\\p{Cntrl}", " ").strip();
        if (campaign.getChannel().equals("in_app")) {
            // written with the outcome, in the same transaction: in the inbox exactly when recorded as sent
            return inbox.deliver(tx, claim.person(), DeliveryOutcomes.messageId(campaign.getId(), claim.person().toString(), claim.occasion()),
                            UUID.fromString(campaign.getId()), subject, message.getBody())
                    .replaceWith(new Outcome("sent", null, message.getVariantIndex(), false));
        }
        if (!campaign.getChannel().equals("email")) {
            return channels.send(campaign.getChannel(), new HttpChannels.Message(DeliveryOutcomes.messageId(campaign.getId(),
                            claim.person().toString(), claim.occasion()), campaign.getId(), profile.getId(), to, subject, message.getBody()))
                    .replaceWith(new Outcome("sent", null, message.getVariantIndex(), false));
        }
        // Unsubscribing withdraws marketing messages on this channel, not only this campaign's narrower use.
        String messageId = DeliveryOutcomes.messageId(campaign.getId(), claim.person().toString(), claim.occasion());
        // The open image only for someone with a basis for measuring the campaign's reach with it (opt-in under the GDPR).
        String openImage = campaign.getTrackOpens() && policy.basis(consent.of(profile.getId()), OPEN_TRACKING, "email", false).allowed()
                ? clicks.openImage(messageId) : null;
        String text = campaign.getTrackClicks() ? clicks.track(message.getBody(), messageId) : message.getBody();
        if (promotional) {
            // after the tracking: the way out is never a tracked link
            Value language = profile.getAttributesMap().get("language");
            text += links.footer(profile.getId(), language != null && language.hasStringValue() ? language.getStringValue() : "en");
        }
        return email.send(to, subject, text, messageId, links.link(profile.getId(), "marketing.communications", "email"), promotional,
                        campaign.getTrackOpens(), openImage)
                .replaceWith(new Outcome("sent", null, message.getVariantIndex(), false));
    }

    private Uni<Void> record(SqlClient sql, Campaign campaign, Claim claim, Outcome outcome) {
        int attempts = claim.attempts();
        if (outcome.status().equals("deferred") || outcome.status().equals("waiting")) {
            // not an attempt: planned again for its time (deferred to the person's time once; waiting for a winner, until decided)
            return sql.preparedQuery("""
                    UPDATE delivery SET status = 'planned', reason = $5, due_time = $6, deferred = deferred OR $7, attempts = attempts - 1
                    WHERE campaign_id = $1 AND profile_id = $2 AND occasion = $3 AND status = 'sending' AND attempts = $4""")
                    .execute(claim.key(campaign).addValue(outcome.reason()).addValue(outcome.until().atOffset(ZoneOffset.UTC))
                            .addValue(outcome.status().equals("deferred")))
                    .replaceWithVoid();
        }
        // A retry waits 2, 4, 8… seconds; the row stays with this sender only while it is 'sending'.
        return sql.preparedQuery("""
                UPDATE delivery SET status = $3, reason = $4, variant = $5, arm = $10,
                       published = published AND $3 NOT IN ('sent', 'skipped', 'failed', 'held_out'),
                       send_time = CASE WHEN $3 IN ('sent', 'held_out') THEN now() ELSE send_time END,
                       due_time = CASE WHEN $6 THEN now() + make_interval(secs => $7) ELSE due_time END
                WHERE campaign_id = $1 AND profile_id = $2 AND occasion = $9 AND status = 'sending' AND attempts = $8""")
                .execute(Tuple.from(List.of(UUID.fromString(campaign.getId()), claim.person(), outcome.status())).addValue(outcome.reason())
                        .addValue(outcome.variant()).addValue(outcome.retry()).addValue((double) (1L << Math.min(attempts, 10))).addValue(attempts)
                        .addValue(claim.occasion()).addValue(claim.arm()))
                .replaceWithVoid();
    }

    /** Paused (or ended) since it was claimed: back to planned, as if never claimed. */
    private Uni<Void> release(Campaign campaign, Claim claim) {
        return pool.preparedQuery("""
                UPDATE delivery SET status = 'planned', attempts = attempts - 1, due_time = now()
                WHERE campaign_id = $1 AND profile_id = $2 AND occasion = $3 AND status = 'sending' AND attempts = $4""")
                .execute(claim.key(campaign)).replaceWithVoid();
    }

    /** Where a broadcast stands. */
    public Uni<DeliverySummary> summary(String campaignId) {
        UUID id = Ids.uuid("campaign_id", campaignId, "a campaign id");
        return campaigns.get(campaignId).flatMap(campaign -> pool.preparedQuery("""
                SELECT status, reason, count(*) AS n, count(clicked_time) AS clicked, count(opened_time) AS opened FROM delivery WHERE campaign_id = $1 GROUP BY status, reason""")
                .execute(Tuple.of(id))
                .flatMap(rows -> pool.preparedQuery("SELECT audience_drawn FROM campaign WHERE id = $1").execute(Tuple.of(id))
                        .map(drawn -> {
                            DeliverySummary.Builder summary = DeliverySummary.newBuilder().setCampaignId(campaignId)
                                    .setAudienceDrawn(drawn.iterator().next().getBoolean("audience_drawn"));
                            for (Row row : rows) {
                                long n = row.getLong("n");
                                summary.setClicked(summary.getClicked() + row.getLong("clicked"));
                                summary.setOpened(summary.getOpened() + row.getLong("opened"));
                                switch (row.getString("status")) {
                                    case "planned", "sending" -> summary.setPlanned(summary.getPlanned() + n);
                                    case "sent" -> summary.setSent(summary.getSent() + n);
                                    case "skipped" -> summary.setSkipped(summary.getSkipped() + n);
                                    case "held_out" -> summary.setHeldOut(summary.getHeldOut() + n);
                                    default -> summary.setFailed(summary.getFailed() + n);
                                }
                                if (row.getString("reason") != null && !row.getString("status").equals("planned")) {
                                    summary.putReasons(row.getString("reason"), summary.getReasonsOrDefault(row.getString("reason"), 0) + n);
                                }
                            }
                            return summary;
                        }))
                .flatMap(summary -> !campaign.hasJourney() ? Uni.createFrom().item(summary.setProgress(progress(summary).<dev.rapport.proto.common.v1.Progress>toMessage(
                                dev.rapport.proto.common.v1.Progress.newBuilder())).build())
                        : journeys.runs(id, campaign.getJourney()).map(runs -> summary.putAllJourneyRuns(runs).build())));
    }

    /** A broadcast's people settled of its audience, and what it is doing. */
    static Progress progress(DeliverySummary.Builder summary) {
        long settled = summary.getSent() + summary.getSkipped() + summary.getFailed() + summary.getHeldOut();
        String stage = !summary.getAudienceDrawn() ? "drawing the audience"
                : summary.getPlanned() == 0 ? "finished"
                : settled == 0 && summary.getPlanned() > 0 ? "starting" : "sending";
        return new Progress(settled, summary.getAudienceDrawn() ? settled + summary.getPlanned() : 0, stage,
                summary.getAudienceDrawn() && summary.getPlanned() == 0);
    }

    /**
     * The console's progress line of each broadcast this tick sent for: every PROGRESS_EVERY at most, and when it
     * finishes. What a marketer sees in the API (the delivery summary), said in the log.
     */
    private Uni<Void> reportProgress() {
        List<UUID> sentFor = List.copyOf(touched);
        touched.removeAll(sentFor);
        long now = System.nanoTime();
        return Multi.createFrom().iterable(sentFor)
                .onItem().transformToUniAndConcatenate(id -> summary(id.toString()).invoke(summary -> {
                    Long last = reportedAt.get(id);
                    Progress p = progress(summary.toBuilder());
                    if (p.finished() || last == null || now - last >= PROGRESS_EVERY.toNanos()) {
                        LOG.infof("broadcast %s: %s", id, p.line("people"));
                        if (p.finished()) {
                            reportedAt.remove(id);
                        } else {
                            reportedAt.put(id, now);
                        }
                    }
                }))
                .collect().last().replaceWithVoid()
                .onFailure().invoke(f -> LOG.debugf("progress not reported this time: %s", f.toString()))
                .onFailure().recoverWithNull();
    }

    /** Where each channel reaches a person: the attribute that holds it (a webhook needs none: it is about the person). */
    private static final Map<String, String> ADDRESSES = Map.of("email", "email", "sms", "phone", "push", "push_token", "webhook", "id",
            "in_app", "id");

    private static String address(String channel, Profile profile) {
        if (ADDRESSES.get(channel).equals("id")) {
            return profile.getId();
        }
        Value value = profile.getAttributesMap().get(ADDRESSES.get(channel));
        return value == null || !value.hasStringValue() || value.getStringValue().isBlank() ? null : value.getStringValue();
    }

    private static Struct attributes(Profile profile) {
        return Struct.newBuilder().putAllFields(profile.getAttributesMap()).build();
    }

    private static Struct traits(Profile profile) {
        try {
            Struct.Builder traits = Struct.newBuilder();
            JsonFormat.parser().merge(JsonFormat.printer().print(profile.getTraits()), traits);
            return traits.build();
        } catch (InvalidProtocolBufferException e) {
            return Struct.getDefaultInstance();
        }
    }
}
