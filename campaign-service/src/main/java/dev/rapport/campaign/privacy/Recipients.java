package dev.rapport.campaign.privacy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;

import dev.rapport.campaign.support.MarketingHolds;
import dev.rapport.proto.campaign.v1.RecipientDelivery;
import dev.rapport.proto.campaign.v1.RecipientExport;
import dev.rapport.proto.campaign.v1.RecipientJourneyRun;
import dev.rapport.runtime.db.StoredJson;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What campaign-service holds about one person, for data-subject requests: each message planned or sent to them (with
 * why one was skipped), the journeys they entered and their last bad support experience. Nothing else here names a person.
 */
@ApplicationScoped
public class Recipients {
    private final Pool pool;
    private final MarketingHolds holds;

    Recipients(Pool pool, MarketingHolds holds) {
        this.pool = pool;
        this.holds = holds;
    }

    /**
     * Erases the person's deliveries and support experience (under their profile and any merged into it) in one transaction; answers how many rows went. A delivery
     * being sent keeps its row locked until the mail is handed over (Broadcasts): the erasure waits for it, and no send
     * starts after.
     */
    public Uni<Long> erase(UUID... profiles) {
        Tuple ids = Tuple.of((Object) profiles);
        // Runs first, in the order the journeys lock (run, then its deliveries): no deadlock with a journey step, and
        // no delivery a step plans meanwhile is left behind.
        // A run's planned attribute updates go with it (ON DELETE CASCADE).
        return pool.withTransaction(tx -> tx.preparedQuery("DELETE FROM journey_run WHERE profile_id = ANY($1)").execute(ids)
                .flatMap(runs -> tx.preparedQuery("DELETE FROM delivery WHERE profile_id = ANY($1)").execute(ids)
                        .flatMap(deliveries -> tx.preparedQuery("DELETE FROM support_experience WHERE profile_id = ANY($1)").execute(ids)
                                .flatMap(experience -> tx.preparedQuery("DELETE FROM inbox_message WHERE profile_id = ANY($1)").execute(ids)
                                        .map(inbox -> (long) deliveries.rowCount() + experience.rowCount() + runs.rowCount() + inbox.rowCount())))));
    }

    /** What is still held about the person, table -> rows, only tables holding some. Changes nothing. */
    public Uni<Map<String, Long>> held(UUID... profiles) {
        return pool.preparedQuery("""
                        SELECT 'delivery' AS held, count(*) AS n FROM delivery WHERE profile_id = ANY($1)
                        UNION ALL SELECT 'support_experience', count(*) FROM support_experience WHERE profile_id = ANY($1)
                        UNION ALL SELECT 'journey_run', count(*) FROM journey_run WHERE profile_id = ANY($1)
                        UNION ALL SELECT 'inbox_message', count(*) FROM inbox_message WHERE profile_id = ANY($1)
                        UNION ALL SELECT 'attribute_update', count(*) FROM attribute_update WHERE profile_id = ANY($1)""")
                .execute(Tuple.of((Object) profiles))
                .map(rows -> {
                    Map<String, Long> held = new LinkedHashMap<>();
                    rows.forEach(row -> {
                        if (row.getLong("n") > 0) {
                            held.put(row.getString("held"), row.getLong("n"));
                        }
                    });
                    return held;
                });
    }

    /** Everything held about the person, oldest delivery first. */
    public Uni<RecipientExport> export(UUID profile) {
        return pool.preparedQuery("""
                        SELECT d.campaign_id, c.name, d.status, d.reason, d.plan_time, d.send_time, d.clicked_time, d.clicks, d.opened_time, d.opens
                        FROM delivery d JOIN campaign c ON c.id = d.campaign_id WHERE d.profile_id = $1 ORDER BY d.plan_time, d.campaign_id""")
                .execute(Tuple.of(profile))
                .flatMap(rows -> holds.lastBadExperience(profile).flatMap(last -> pool.preparedQuery("""
                                SELECT r.campaign_id, c.name, r.entry_time, r.status, r.step, r.exit_reason, r.trigger_properties::text AS properties,
                                       r.path, (SELECT coalesce(json_agg(json_build_object('attribute', a.attribute, 'value', a.value, 'state', a.state,
                                                'detail', a.detail) ORDER BY a.seq), '[]') FROM attribute_update a WHERE a.run_id = r.id)::text AS updates
                                FROM journey_run r JOIN campaign c ON c.id = r.campaign_id WHERE r.profile_id = $1 ORDER BY r.entry_time, r.id""")
                        .execute(Tuple.of(profile))
                        .flatMap(runs -> pool.preparedQuery("""
                                SELECT message_id, campaign_id, title, body, create_time, read_time FROM inbox_message
                                WHERE profile_id = $1 ORDER BY create_time DESC, message_id DESC""").execute(Tuple.of(profile)).map(inbox -> {
                            RecipientExport.Builder export = RecipientExport.newBuilder().setProfileId(profile.toString());
                            inbox.forEach(message -> export.addInbox(dev.rapport.campaign.delivery.Inbox.message(message)));
                            rows.forEach(row -> export.addDeliveries(delivery(row)));
                            last.ifPresent(export::setLastBadExperience);
                            runs.forEach(run -> export.addJourneyRuns(journeyRun(run)));
                            return export.build();
                        }))));
    }

    private static RecipientJourneyRun journeyRun(Row row) {
        Struct properties = StoredJson.read(row.getString("properties"), Struct.newBuilder(), "stored trigger properties");
        RecipientJourneyRun.Builder run = RecipientJourneyRun.newBuilder().setCampaignId(row.getUUID("campaign_id").toString())
                .setCampaignName(row.getString("name"))
                .setEntryTime(Envelopes.timestamp(row.getOffsetDateTime("entry_time").toInstant())).setStatus(row.getString("status"))
                .setStep(row.getInteger("step")).setExitReason(row.getString("exit_reason") == null ? "" : row.getString("exit_reason"))
                .setTriggerProperties(properties).setPath(row.getString("path") == null ? "" : row.getString("path"));
        for (Object o : new io.vertx.core.json.JsonArray(row.getString("updates"))) {
            io.vertx.core.json.JsonObject update = (io.vertx.core.json.JsonObject) o;
            com.google.protobuf.Value value = StoredJson.read(io.vertx.core.json.Json.encode(update.getValue("value")),
                    com.google.protobuf.Value.newBuilder(), "a stored attribute value");
            run.addAttributeUpdates(dev.rapport.proto.campaign.v1.RecipientAttributeUpdate.newBuilder().setAttribute(update.getString("attribute"))
                    .setValue(value).setState(update.getString("state")).setDetail(java.util.Objects.requireNonNullElse(update.getString("detail"), "")));
        }
        return run.build();
    }

    private static RecipientDelivery delivery(Row row) {
        RecipientDelivery.Builder delivery = RecipientDelivery.newBuilder().setCampaignId(row.getUUID("campaign_id").toString())
                .setCampaignName(row.getString("name")).setStatus(row.getString("status"))
                .setPlanTime(Envelopes.timestamp(row.getOffsetDateTime("plan_time").toInstant()));
        if (row.getString("reason") != null) {
            delivery.setReason(row.getString("reason"));
        }
        if (row.getOffsetDateTime("clicked_time") != null) {
            delivery.setFirstClickTime(Envelopes.timestamp(row.getOffsetDateTime("clicked_time").toInstant())).setClicks(row.getInteger("clicks"));
        }
        if (row.getOffsetDateTime("opened_time") != null) {
            delivery.setFirstOpenTime(Envelopes.timestamp(row.getOffsetDateTime("opened_time").toInstant())).setOpens(row.getInteger("opens"));
        }
        if (row.getOffsetDateTime("send_time") != null) {
            delivery.setSendTime(Envelopes.timestamp(row.getOffsetDateTime("send_time").toInstant()));
        }
        return delivery.build();
    }
}
