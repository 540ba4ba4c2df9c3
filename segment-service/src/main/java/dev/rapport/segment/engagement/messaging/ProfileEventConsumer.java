package dev.rapport.segment.engagement.messaging;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.segment.engagement.EngagementRepository;
import io.smallrye.mutiny.Uni;

/**
 * Keeps engagement current from {@code profile.events}, a polled batch of records at a time (one transaction per
 * batch, not per event); idempotent on the event id.
 */
@ApplicationScoped
public class ProfileEventConsumer {
    private final EngagementRepository engagement;

    ProfileEventConsumer(EngagementRepository engagement) {
        this.engagement = engagement;
    }

    @Incoming("profile-events")
    public Uni<Void> onEvents(List<ProfileEventRecorded> recorded) {
        return engagement.count(recorded.stream().map(ProfileEventRecorded::getEvent).toList()).replaceWithVoid();
    }
}
