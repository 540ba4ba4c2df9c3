package dev.rapport.campaign.messaging;

import dev.rapport.runtime.db.DatabaseOutages;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.rapport.campaign.journey.Journeys;
import dev.rapport.proto.segment.v1.SegmentMembershipChanged;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.trace.Traces;
import io.smallrye.mutiny.Uni;

/**
 * Entries into segments from {@code segment.membership} start the journeys they trigger (a run once per announcement:
 * reading one again enters nobody twice). Leaving a segment changes nothing here.
 */
@ApplicationScoped
public class SegmentMembershipConsumer {
    private static final Logger LOG = Logger.getLogger(SegmentMembershipConsumer.class);
    private final Journeys journeys;

    SegmentMembershipConsumer(Journeys journeys) {
        this.journeys = journeys;
    }

    @Incoming("segment-membership")
    public Uni<Void> onMembership(SegmentMembershipChanged change) {
        if (change.getTransition() != SegmentMembershipChanged.Transition.ENTERED) {
            return Uni.createFrom().voidItem();
        }
        UUID profile;
        try {
            profile = UUID.fromString(change.getProfileId());
        } catch (IllegalArgumentException e) {
            LOG.warnf("a membership without a valid profile id on segment.membership was ignored (%s)", change.getEnvelope().getId());
            return Uni.createFrom().voidItem();
        }
        String traceparent = Traces.currentOr(change.getEnvelope().getTraceparent());
        return DatabaseOutages.waitedOut("following a segment entry", () -> journeys.onSegmentEntered(profile, change.getSegmentId(),
                        change.getSegmentVersion(), change.getEnvelope().getId(), Envelopes.instant(change.getTransitionTime()), traceparent))
                .onFailure().invoke(f -> LOG.warnf("segment entry %s not followed by the journeys: %s", change.getEnvelope().getId(), f.toString()));
    }
}
