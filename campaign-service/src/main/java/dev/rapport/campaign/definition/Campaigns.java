package dev.rapport.campaign.definition;

import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.campaign.content.ConnectedContents;
import dev.rapport.campaign.experiment.Experiments;
import dev.rapport.campaign.journey.Journeys;
import dev.rapport.campaign.message.LiquidTemplates;
import dev.rapport.campaign.message.VariantChoice;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.ListCampaignsResponse;
import dev.rapport.proto.campaign.v1.MessagePreview;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.PreviewMessageRequest;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;

/** Campaign definitions: drafts checked on save, a lifecycle with checks on activation, and message previews. */
@ApplicationScoped
public class Campaigns {
    /** Which status may follow which. */
    private static final Map<Campaign.Status, Set<Campaign.Status>> NEXT = Map.of(
            Campaign.Status.DRAFT, Set.of(Campaign.Status.ACTIVE, Campaign.Status.SCHEDULED, Campaign.Status.ARCHIVED),
            // becomes ACTIVE by the clock (startDue), or at once when asked after its start time
            Campaign.Status.SCHEDULED, Set.of(Campaign.Status.ACTIVE, Campaign.Status.PAUSED, Campaign.Status.ARCHIVED),
            Campaign.Status.ACTIVE, Set.of(Campaign.Status.PAUSED, Campaign.Status.COMPLETED, Campaign.Status.ARCHIVED),
            Campaign.Status.PAUSED, Set.of(Campaign.Status.ACTIVE, Campaign.Status.SCHEDULED, Campaign.Status.COMPLETED, Campaign.Status.ARCHIVED),
            Campaign.Status.COMPLETED, Set.of(Campaign.Status.ARCHIVED),
            Campaign.Status.ARCHIVED, Set.of());
    private static final String COLUMNS = "id, name, purpose, channel, segment_id, priority, status, messages::text AS messages, "
            + "journey::text AS journey, start_time, version, create_time, update_time";

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(Campaigns.class);
    private final Pool pool;
    private final Journeys journeys;
    private final Experiments experiments;
    private final ConnectedContents contents;

    Campaigns(Pool pool, Journeys journeys, Experiments experiments, ConnectedContents contents) {
        this.contents = contents;
        this.pool = pool;
        this.journeys = journeys;
        this.experiments = experiments;
    }

    public Uni<Campaign> create(Campaign campaign, String requestId) {
        if (requestId.length() > 200) {
            throw new InvalidInput("request_id", "at most 200 characters");
        }
        reject(CampaignValidation.check(campaign));
        String key = requestId.isEmpty() ? null : requestId;
        return pool.preparedQuery("""
                INSERT INTO campaign (id, name, purpose, channel, segment_id, priority, status, messages, journey, version, request_id, start_time)
                VALUES ($1, $2, $3, $4, $5, $6, 'DRAFT', ($7::text)::jsonb, ($8::text)::jsonb, 1, $9, $10) RETURNING\s""" + COLUMNS)
                .execute(Tuple.from(List.of(UUID.randomUUID(), campaign.getName(), campaign.getPurpose(), campaign.getChannel())).addValue(segment(campaign))
                        .addValue(campaign.getPriority()).addValue(messages(campaign)).addValue(journey(campaign)).addValue(key)
                        .addValue(startTime(campaign)))
                .map(rows -> toCampaign(rows.iterator().next()))
                .onFailure(f -> f instanceof PgException pg && "23505".equals(pg.getSqlState()) && key != null)
                .recoverWithUni(() -> pool.preparedQuery("SELECT " + COLUMNS + " FROM campaign WHERE request_id = $1").execute(Tuple.of(key))
                        .map(rows -> toCampaign(rows.iterator().next())));
    }

    public Uni<Campaign> get(String campaignId) {
        UUID id = Ids.uuid("campaign_id", campaignId, "a campaign id");
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM campaign WHERE id = $1").execute(Tuple.of(id)).map(rows -> {
            if (rows.size() == 0) {
                throw new NotFound("no campaign " + campaignId);
            }
            return toCampaign(rows.iterator().next());
        });
    }

    /** Newest first; the page token is the last campaign's id. */
    public Uni<ListCampaignsResponse> list(int pageSize, String pageToken) {
        if (pageSize < 0 || pageSize > 500) {
            throw new InvalidInput("page_size", "from 1 to 500 (0 for the default, 50)");
        }
        int size = pageSize == 0 ? 50 : pageSize;
        UUID after = pageToken.isEmpty() ? null : Ids.uuid("page_token", pageToken, "a next_page_token from an earlier answer");
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM campaign WHERE $1::uuid IS NULL OR (create_time, id) < "
                + "(SELECT create_time, id FROM campaign WHERE id = $1) ORDER BY create_time DESC, id DESC LIMIT $2")
                .execute(Tuple.of(after, size + 1))
                .map(rows -> {
                    ListCampaignsResponse.Builder page = ListCampaignsResponse.newBuilder();
                    for (Row row : rows) {
                        if (page.getCampaignsCount() == size) {
                            page.setNextPageToken(page.getCampaigns(size - 1).getId());
                            break;
                        }
                        page.addCampaigns(toCampaign(row));
                    }
                    return page.build();
                });
    }

    /** Replaces a draft's or a paused campaign's definition, if nobody changed it since {@code expectedVersion}. */
    public Uni<Campaign> update(Campaign campaign, long expectedVersion) {
        UUID id = Ids.uuid("campaign.id", campaign.getId(), "a campaign id");
        reject(CampaignValidation.check(campaign));
        return get(campaign.getId()).flatMap(held -> {
            if (held.getStatus() != Campaign.Status.DRAFT && held.getStatus() != Campaign.Status.PAUSED) {
                throw Status.FAILED_PRECONDITION.withDescription("only a draft or a paused campaign can be edited; this one is "
                        + held.getStatus().name().toLowerCase()).asRuntimeException();
            }
            // Once a campaign has sent, what it is (its purpose, channel and audience) stays: a paused promotion must not
            // finish as a "transactional" message that skips consent, nor to an audience it never drew.
            if (held.getStatus() == Campaign.Status.PAUSED && (!held.getPurpose().equals(campaign.getPurpose())
                    || !held.getChannel().equals(campaign.getChannel()) || !held.getSegmentId().equals(campaign.getSegmentId())
                    // people are on their way through its steps: renumbering them would send them elsewhere
                    || !held.getJourney().equals(campaign.getJourney())
                    // everyone keeps their arm
                    || !held.getExperiment().equals(campaign.getExperiment()))) {
                throw Status.FAILED_PRECONDITION.withDescription("a campaign that has been active keeps its purpose, channel, audience, journey "
                        + "and experiment")
                        .asRuntimeException();
            }
            return pool.preparedQuery("""
                    UPDATE campaign SET name = $3, purpose = $4, channel = $5, segment_id = $6, priority = $7, messages = ($8::text)::jsonb,
                           journey = ($9::text)::jsonb, start_time = $10, version = version + 1, update_time = now()
                    WHERE id = $1 AND version = $2 AND status IN ('DRAFT', 'PAUSED') RETURNING\s""" + COLUMNS)
                    .execute(Tuple.from(List.of(id, expectedVersion, campaign.getName(), campaign.getPurpose(), campaign.getChannel()))
                            .addValue(segment(campaign)).addValue(campaign.getPriority()).addValue(messages(campaign)).addValue(journey(campaign))
                            .addValue(startTime(campaign)))
                    .map(rows -> {
                        if (rows.size() == 0) {
                            throw Status.ABORTED.withDescription("the campaign changed since version " + expectedVersion + "; read it again")
                                    .asRuntimeException();
                        }
                        return toCampaign(rows.iterator().next());
                    });
        });
    }

    /** Moves a campaign along its lifecycle; activating checks that it can send. */
    public Uni<Campaign> changeStatus(String campaignId, Campaign.Status target) {
        if (target == Campaign.Status.STATUS_UNSPECIFIED || target == Campaign.Status.UNRECOGNIZED || target == Campaign.Status.DRAFT
                || target == Campaign.Status.SCHEDULED) {
            throw new InvalidInput("status", "ACTIVE (scheduled until its start_time, if later), PAUSED, COMPLETED or ARCHIVED");
        }
        return get(campaignId).flatMap(held -> {
            Campaign.Status next = target == Campaign.Status.ACTIVE && held.hasStartTime()
                    && Envelopes.instant(held.getStartTime()).isAfter(java.time.Instant.now()) ? Campaign.Status.SCHEDULED : target;
            if (held.getStatus() == next) {
                return Uni.createFrom().item(held); // asked twice: done once
            }
            if (!NEXT.get(held.getStatus()).contains(next)) {
                throw Status.FAILED_PRECONDITION.withDescription("a " + held.getStatus().name().toLowerCase() + " campaign cannot become "
                        + next.name().toLowerCase()).asRuntimeException();
            }
            if (target == Campaign.Status.ACTIVE) {
                List<String> missing = new java.util.ArrayList<>(CampaignValidation.readinessToSend(held));
                List<String> refused = contents.refusals(held);
                if (!refused.isEmpty()) {
                    missing.add("connected content it may fetch (" + String.join("; ", refused) + "; see rapport.campaign.connected-content)");
                }
                if (!missing.isEmpty()) {
                    throw Status.FAILED_PRECONDITION.withDescription("cannot activate: needs " + String.join(" and ", missing)).asRuntimeException();
                }
            }
            UUID id = UUID.fromString(held.getId());
            boolean ends = target == Campaign.Status.COMPLETED || target == Campaign.Status.ARCHIVED;
            return pool.withTransaction(tx -> tx.preparedQuery("UPDATE campaign SET status = $3, version = version + 1, update_time = now() "
                    + "WHERE id = $1 AND status = $2 RETURNING " + COLUMNS)
                    .execute(Tuple.of(id, held.getStatus().name(), next.name()))
                    .map(rows -> {
                        if (rows.size() == 0) {
                            throw Status.ABORTED.withDescription("the campaign's status changed meanwhile; read it again").asRuntimeException();
                        }
                        return toCampaign(rows.iterator().next());
                    })
                    .call(changed -> ends ? Journeys.endRuns(tx, id) : Uni.createFrom().voidItem()))
                    .invoke(() -> {
                        journeys.forget();
                        experiments.forget();
                    });
        });
    }

    /** The message one person would get, from what the request says of them. */
    public Uni<MessagePreview> preview(PreviewMessageRequest request) {
        // Rendering is bounded but may take its 250 ms: never on the event loop.
        return get(request.getCampaignId()).emitOn(Infrastructure.getDefaultWorkerPool())
                .map(campaign -> {
                    // connected content as the caller gave it, else each source's default: a preview fetches nothing
                    Struct.Builder content = request.getContent().toBuilder();
                    campaign.getConnectedContentList().stream().filter(c -> !content.containsFields(c.getName()) && c.hasDefaultValue())
                            .forEach(c -> content.putFields(c.getName(), c.getDefaultValue()));
                    return preview(campaign, request.getProfile(), request::getTraits, request.getEvent(), content.build());
                });
    }

    /**
     * The message one person gets from a campaign (variant chosen, templates rendered); blocking: call it off the event
     * loop. The traits are asked for only by a template that names them.
     */
    public static MessagePreview preview(Campaign campaign, Struct profile, Supplier<Struct> traits, Struct event, Struct content) {
        List<VariantChoice.Variant> variants = campaign.getVariantsList().stream()
                .map(v -> new VariantChoice.Variant(v.getLocale(), v.getCountry(), v.getRegion(), v.getCity())).toList();
        VariantChoice.Person person = new VariantChoice.Person(text(profile, "language"), text(profile, "country"), text(profile, "region"),
                text(profile, "city"));
        VariantChoice.Choice choice = VariantChoice.choose(variants, campaign.getLanguageFallbacksMap(), campaign.getDefaultLocale(), person);
        if (!choice.chosen()) {
            return MessagePreview.newBuilder().setSent(false).setReason(choice.why()).setVariantIndex(-1).build();
        }
        MessageVariant variant = campaign.getVariants(choice.index());
        Map<String, Object> context = new HashMap<>();
        context.put("profile", plain(profile));
        // Liquid reaches a variable only by its name: a template that never says "traits" cannot read them.
        if (variant.getSubjectLine().contains("traits") || variant.getBody().contains("traits")) {
            context.put("traits", plain(traits.get()));
        }
        context.put("event", plain(event));
        context.put("content", plain(content));
        try {
            return MessagePreview.newBuilder().setSent(true).setReason(choice.why()).setVariantIndex(choice.index())
                    .setSubject(LiquidTemplates.render(variant.getSubjectLine(), context))
                    .setBody(LiquidTemplates.render(variant.getBody(), context))
                    .build();
        } catch (LiquidTemplates.RenderFailure failure) {
            return MessagePreview.newBuilder().setSent(false).setVariantIndex(choice.index())
                    .setReason("the template could not be rendered for this person: " + failure.getMessage()).build();
        }
    }

    private static String text(Struct struct, String field) {
        Value value = struct.getFieldsMap().get(field);
        return value != null && value.hasStringValue() ? value.getStringValue() : "";
    }

    /** A Struct as plain maps, lists, strings, numbers and booleans, which is what Liquid reads. */
    private static Map<String, Object> plain(Struct struct) {
        Map<String, Object> map = new HashMap<>();
        struct.getFieldsMap().forEach((k, v) -> map.put(k, plain(v)));
        return map;
    }

    private static Object plain(Value value) {
        return switch (value.getKindCase()) {
            case STRUCT_VALUE -> plain(value.getStructValue());
            case LIST_VALUE -> value.getListValue().getValuesList().stream().map(Campaigns::plain).toList();
            case STRING_VALUE -> value.getStringValue();
            case NUMBER_VALUE -> value.getNumberValue() == Math.rint(value.getNumberValue()) && Math.abs(value.getNumberValue()) < 1e15
                    ? (Object) (long) value.getNumberValue() : (Object) value.getNumberValue();
            case BOOL_VALUE -> value.getBoolValue();
            default -> null;
        };
    }

    private static void reject(List<Violation> problems) {
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
    }

    private static UUID segment(Campaign campaign) {
        return campaign.getSegmentId().isEmpty() ? null : UUID.fromString(campaign.getSegmentId());
    }

    /** The parts of a campaign kept as JSON: its messages, how they are chosen, when they go and its experiment. */
    /**
     * The definition's fields that have no column of their own (variants, fallbacks, timing, experiment, connected
     * content, …) as JSON: everything but the columns, so that a field added to Campaign is kept without a change here.
     */
    private static String messages(Campaign campaign) {
        try {
            return JsonFormat.printer().print(campaign.toBuilder().clearId().clearName().clearPurpose().clearChannel().clearSegmentId()
                    .clearPriority().clearStatus().clearVersion().clearCreateTime().clearUpdateTime().clearJourney().clearStartTime());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private static OffsetDateTime startTime(Campaign campaign) {
        return campaign.hasStartTime() ? OffsetDateTime.ofInstant(Envelopes.instant(campaign.getStartTime()), java.time.ZoneOffset.UTC) : null;
    }

    /**
     * The campaign clock: scheduled campaigns whose start time has come become active (a broadcast then draws its
     * audience; a journey lets people in from then on).
     */
    @io.quarkus.scheduler.Scheduled(every = "${rapport.campaign.delivery-interval:1s}", delayed = "2s",
            concurrentExecution = io.quarkus.scheduler.Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> startDue() {
        return pool.query("""
                UPDATE campaign SET status = 'ACTIVE', version = version + 1, update_time = now()
                WHERE status = 'SCHEDULED' AND start_time <= now() RETURNING id""").execute()
                .invoke(started -> {
                    if (started.size() > 0) {
                        started.forEach(row -> LOG.infof("campaign %s started at its start time", row.getUUID("id")));
                        journeys.forget();
                        experiments.forget();
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(f -> LOG.warnf("scheduled campaigns not started this time (retried): %s", f.toString()))
                .onFailure().recoverWithNull();
    }

    private static String journey(Campaign campaign) {
        try {
            return campaign.hasJourney() ? JsonFormat.printer().print(campaign.getJourney()) : null;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static Campaign toCampaign(Row row) {
        Campaign.Builder campaign = Campaign.newBuilder();
        try {
            JsonFormat.parser().merge(row.getString("messages"), campaign);
            if (row.getString("journey") != null) {
                JsonFormat.parser().merge(row.getString("journey"), campaign.getJourneyBuilder());
            }
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a stored campaign cannot be read", e);
        }
        if (row.getOffsetDateTime("start_time") != null) {
            campaign.setStartTime(Envelopes.timestamp(row.getOffsetDateTime("start_time").toInstant()));
        }
        OffsetDateTime created = row.getOffsetDateTime("create_time");
        OffsetDateTime updated = row.getOffsetDateTime("update_time");
        return campaign.setId(row.getUUID("id").toString()).setName(row.getString("name")).setPurpose(row.getString("purpose"))
                .setChannel(row.getString("channel"))
                .setSegmentId(row.getUUID("segment_id") == null ? "" : row.getUUID("segment_id").toString())
                .setPriority(row.getInteger("priority")).setStatus(Campaign.Status.valueOf(row.getString("status")))
                .setVersion(row.getLong("version"))
                .setCreateTime(Envelopes.timestamp(created.toInstant())).setUpdateTime(Envelopes.timestamp(updated.toInstant()))
                .build();
    }
}
