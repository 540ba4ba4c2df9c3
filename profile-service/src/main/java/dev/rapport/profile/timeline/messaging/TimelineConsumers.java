package dev.rapport.profile.timeline.messaging;

import dev.rapport.runtime.db.DatabaseOutages;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.profile.timeline.TimelineRepository;
import dev.rapport.profile.trait.TraitRepository;
import dev.rapport.proto.campaign.v1.CampaignDelivery;
import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * What campaign-service and chatbot-service report about a person joins their timeline: each delivery step and
 * each conversation step once (its id), opens and clicks also count as engagement, and a conversation's latest state
 * feeds the support summary. A record about a profile that no longer exists (erased) is dropped.
 */
@ApplicationScoped
public class TimelineConsumers {
    private final Pool pool;
    private final TimelineRepository timeline;
    private final TraitRepository traits;

    TimelineConsumers(Pool pool, TimelineRepository timeline, TraitRepository traits) {
        this.pool = pool;
        this.timeline = timeline;
        this.traits = traits;
    }

    @Incoming("campaign-deliveries")
    public Uni<Void> delivered(CampaignDelivery delivery) {
        UUID profile = profileId(delivery.getProfileId());
        if (profile == null) {
            return Uni.createFrom().voidItem();
        }
        Struct details = Struct.newBuilder()
                .putFields("campaignId", text(delivery.getCampaignId())).putFields("messageId", text(delivery.getMessageId()))
                .putFields("channel", text(delivery.getChannel())).putFields("status", text(delivery.getStatus().name()))
                .putFields("purpose", text(delivery.getPurpose())).putFields("reason", text(delivery.getReason())).build();
        String id = "delivery:" + delivery.getMessageId() + ":" + delivery.getStatus().name();
        boolean engagement = delivery.getStatus() == CampaignDelivery.Status.OPENED || delivery.getStatus() == CampaignDelivery.Status.CLICKED;
        return DatabaseOutages.waitedOut("adding a delivery to the timeline", () -> pool.withTransaction(tx -> timeline.add(tx, id, profile,
                        "delivery", Envelopes.instant(delivery.getStatusTime()), details)
                .flatMap(landed -> landed.isPresent() && engagement
                        ? traits.addEngagement(tx, List.of(new TraitRepository.Engagement(landed.get(), Envelopes.instant(delivery.getStatusTime()))))
                        : Uni.createFrom().voidItem())));
    }

    @Incoming("chat-conversations")
    public Uni<Void> conversed(ConversationEvent step) {
        UUID profile = profileId(step.getProfileId());
        if (profile == null || step.getConversationId().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String outcome = step.getKind().name().toLowerCase(java.util.Locale.ROOT);
        Struct details = Struct.newBuilder().putFields("conversationId", text(step.getConversationId())).putFields("step", text(outcome))
                .putFields("satisfaction", Value.newBuilder().setNumberValue(step.getSatisfaction()).build())
                .putFields("badExperience", Value.newBuilder().setBoolValue(step.getBadExperience()).build()).build();
        // one entry per event (a conversation reopened is handed over or resolved again; a customer may rate again): the
        // event's id, the same when it is delivered twice
        String id = "conversation:" + step.getConversationId() + ":" + outcome
                + (step.getEnvelope().getId().isEmpty() ? "" : ":" + step.getEnvelope().getId());
        return DatabaseOutages.waitedOut("adding a conversation to the timeline", () -> pool.withTransaction(tx -> timeline.add(tx, id, profile,
                "conversation", Envelopes.instant(step.getEventTime()), details)
                .flatMap(landed -> landed.isEmpty() ? Uni.createFrom().voidItem() : tx.preparedQuery("""
                        INSERT INTO support_conversation (conversation_id, profile_id, outcome, event_time, satisfaction, bad_experience)
                        VALUES ($1, $2, $3, $4, $5, $6)
                        ON CONFLICT (conversation_id) DO UPDATE SET event_time = EXCLUDED.event_time,
                          outcome = CASE WHEN EXCLUDED.outcome = 'rated' THEN support_conversation.outcome ELSE EXCLUDED.outcome END,
                          satisfaction = CASE WHEN EXCLUDED.outcome = 'rated' THEN EXCLUDED.satisfaction
                            ELSE greatest(support_conversation.satisfaction, EXCLUDED.satisfaction) END,
                          bad_experience = support_conversation.bad_experience OR EXCLUDED.bad_experience
                        WHERE EXCLUDED.event_time >= support_conversation.event_time""")
                        .execute(Tuple.from(List.of(step.getConversationId(), landed.get(), outcome,
                                java.time.OffsetDateTime.ofInstant(Envelopes.instant(step.getEventTime()), java.time.ZoneOffset.UTC),
                                step.getSatisfaction(), step.getBadExperience())))
                        .replaceWithVoid())));
    }

    private static UUID profileId(String value) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            return null; // not ours to keep: nothing to attach it to
        }
    }

    private static Value text(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }
}
