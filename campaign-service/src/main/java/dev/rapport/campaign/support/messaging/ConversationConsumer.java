package dev.rapport.campaign.support.messaging;

import dev.rapport.runtime.db.DatabaseOutages;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.rapport.campaign.support.SupportExperiences;
import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.Ids;
import io.smallrye.mutiny.Uni;

/** Learns of bad support experiences from {@code chat.conversations}. */
@ApplicationScoped
public class ConversationConsumer {
    private final SupportExperiences experiences;

    ConversationConsumer(SupportExperiences experiences) {
        this.experiences = experiences;
    }

    @Incoming("chat-conversations")
    public Uni<Void> onConversation(ConversationEvent event) {
        if (!event.getBadExperience() || event.getProfileId().isEmpty()) {
            return Uni.createFrom().voidItem(); // anonymous visitors and good experiences hold nothing back
        }
        return DatabaseOutages.waitedOut("recording a bad support experience", () -> experiences.recordBadExperience(
                Ids.profile("profile_id", event.getProfileId()),
                Envelopes.instant(event.getEventTime()),
                event.getConversationId()));
    }
}
