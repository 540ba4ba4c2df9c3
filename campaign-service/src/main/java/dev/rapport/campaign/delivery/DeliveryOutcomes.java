package dev.rapport.campaign.delivery;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import dev.rapport.proto.campaign.v1.CampaignDelivery;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.runtime.event.Envelopes;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Announces what happened to each message on {@code campaign.deliveries} (sent, suppressed with why, failed), keyed by
 * the person: profile-service's timeline and engagement read it. The outcome is marked unpublished in the transaction
 * that records it and published from there at least once, so a crash or a Kafka outage delays an announcement but
 * never loses it; an erased person's unpublished outcomes go with their rows.
 */
@ApplicationScoped
public class DeliveryOutcomes {
    static final String SOURCE = "rapport/campaign-service";
    static final String TYPE = "dev.rapport.campaign.delivery.v1";
    private static final Logger LOG = Logger.getLogger(DeliveryOutcomes.class);
    private static final int BATCH = 500;

    private final Pool pool;
    private final MutinyEmitter<CampaignDelivery> topic;
    private final AtomicBoolean publishing = new AtomicBoolean();

    DeliveryOutcomes(Pool pool, @Channel("campaign-deliveries") MutinyEmitter<CampaignDelivery> topic) {
        this.pool = pool;
        this.topic = topic;
    }

    @Scheduled(every = "${rapport.campaign.outcomes-sweep:1s}", delayed = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> sweep() {
        return publish().replaceWithVoid()
                .onFailure().invoke(failure -> LOG.warnf("delivery outcomes not published yet (the sweep retries): %s", failure.toString()))
                .onFailure().recoverWithNull();
    }

    /** Publishes a batch of what waits; answers how many went out. */
    public Uni<Integer> publish() {
        if (!publishing.compareAndSet(false, true)) {
            return Uni.createFrom().item(0);
        }
        return batch("published", "d.status, d.send_time AS status_time")
                .flatMap(outcomes -> batch("click_published", "'clicked' AS status, d.clicked_time AS status_time").map(clicks -> outcomes + clicks))
                .flatMap(sent -> batch("open_published", "'opened' AS status, d.opened_time AS status_time").map(opens -> sent + opens))
                .onTermination().invoke(() -> publishing.set(false));
    }

    /** One batch of what waits under this flag (an outcome, a first click or a first open), published, then marked so. */
    private Uni<Integer> batch(String flag, String status) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                        SELECT d.campaign_id, d.profile_id, d.occasion, %s, d.reason, c.channel, c.purpose
                        FROM delivery d JOIN campaign c ON c.id = d.campaign_id
                        WHERE NOT d.%s LIMIT $1 FOR UPDATE OF d SKIP LOCKED""".formatted(status, flag))
                        .execute(Tuple.of(BATCH))
                        .flatMap(rows -> {
                            List<Row> pending = new ArrayList<>();
                            rows.forEach(pending::add);
                            if (pending.isEmpty()) {
                                return Uni.createFrom().item(0);
                            }
                            return Multi.createFrom().iterable(pending).onItem().transformToUni(this::send).merge(32)
                                    .collect().last()
                                    .flatMap(sent -> tx.preparedQuery("""
                                            UPDATE delivery d SET %s = true FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS p(c, pr, o)
                                            WHERE d.campaign_id = p.c AND d.profile_id = p.pr AND d.occasion = p.o""".formatted(flag))
                                            .execute(Tuple.of(pending.stream().map(r -> r.getUUID("campaign_id")).toArray(java.util.UUID[]::new),
                                                    pending.stream().map(r -> r.getUUID("profile_id")).toArray(java.util.UUID[]::new),
                                                    pending.stream().map(r -> r.getString("occasion")).toArray(String[]::new))))
                                    .replaceWith(pending.size());
                        }));
    }

    /** The one id of a message: its campaign, person and occasion (as in its Message-ID). */
    static String messageId(String campaign, String profile, String occasion) {
        return campaign + "." + profile + (occasion.isEmpty() ? "" : "." + occasion.replace('/', '.'));
    }

    /** A message id read back: its delivery's key. */
    record MessageKey(java.util.UUID campaign, java.util.UUID person, String occasion) {
        static java.util.Optional<MessageKey> of(String messageId) {
            String[] id = messageId.split("\\.", 3);
            try {
                return java.util.Optional.of(new MessageKey(java.util.UUID.fromString(id[0]), java.util.UUID.fromString(id[1]),
                        id.length == 3 ? id[2].replace('.', '/') : ""));
            } catch (RuntimeException e) {
                return java.util.Optional.empty();
            }
        }
    }

    private Uni<Void> send(Row row) {
        String profile = row.getUUID("profile_id").toString();
        String message = messageId(row.getUUID("campaign_id").toString(), profile, row.getString("occasion"));
        CampaignDelivery.Status status = switch (row.getString("status")) {
            case "sent" -> CampaignDelivery.Status.SENT;
            case "clicked" -> CampaignDelivery.Status.CLICKED;
            case "opened" -> CampaignDelivery.Status.OPENED;
            case "skipped", "held_out" -> CampaignDelivery.Status.SUPPRESSED;
            default -> CampaignDelivery.Status.FAILED;
        };
        OffsetDateTime time = row.getOffsetDateTime("status_time") != null ? row.getOffsetDateTime("status_time") : OffsetDateTime.now();
        CampaignDelivery delivery = CampaignDelivery.newBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), SOURCE, TYPE, profile, message + ":" + status.name()))
                .setCampaignId(row.getUUID("campaign_id").toString()).setMessageId(message).setProfileId(profile)
                .setChannel(row.getString("channel")).setStatus(status).setStatusTime(Envelopes.timestamp(time.toInstant()))
                .setPurpose(row.getString("purpose")).setReason(row.getString("reason") == null ? "" : row.getString("reason"))
                .build();
        return topic.sendMessage(Message.of(delivery).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(profile).build()));
    }
}
