package dev.rapport.campaign.messaging;

import dev.rapport.runtime.db.DatabaseOutages;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.rapport.campaign.experiment.Experiments;
import dev.rapport.campaign.journey.Journeys;
import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.trace.Traces;
import io.smallrye.mutiny.Uni;

/**
 * Events from {@code profile.events} start journeys, move on runs waiting for them and take people out, and count as
 * conversions of experiments.
 */
@ApplicationScoped
public class ProfileEventConsumer {
    private static final Logger LOG = Logger.getLogger(ProfileEventConsumer.class);
    private final Journeys journeys;
    private final Experiments experiments;

    ProfileEventConsumer(Journeys journeys, Experiments experiments) {
        this.journeys = journeys;
        this.experiments = experiments;
    }

    @Incoming("profile-events")
    public Uni<Void> onEvent(ProfileEventRecorded recorded) {
        try {
            UUID profile = Ids.profile("profile_id", recorded.getEvent().getProfileId());
            // this consumer's span when Kafka tracing made one current, else the producer's from the envelope
            String traceparent = Traces.currentOr(recorded.getEnvelope().getTraceparent());
            return DatabaseOutages.waitedOut("following an event", () -> journeys.onEvent(profile, recorded.getEvent(), traceparent)
                            .flatMap(x -> experiments.onEvent(profile, recorded.getEvent())))
                    .onFailure().invoke(f -> LOG.warnf("event %s not followed by the journeys: %s", recorded.getEnvelope().getId(), f.toString()));
        } catch (InvalidInput e) {
            // profile-service only publishes stored events; one without a profile is nobody's to follow
            LOG.warnf("an event without a valid profile id on profile.events was ignored (%s)", recorded.getEnvelope().getId());
            return Uni.createFrom().voidItem();
        }
    }
}
