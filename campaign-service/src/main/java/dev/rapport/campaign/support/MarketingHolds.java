package dev.rapport.campaign.support;

import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;
import dev.rapport.proto.campaign.v1.MarketingHold;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;

/** No marketing right after a bad support experience: held for the configured time after the last one. */
@ApplicationScoped
public class MarketingHolds {
    private final SupportExperiences experiences;
    private final CampaignConfig config;
    private final Clock clock = Clock.systemUTC();

    MarketingHolds(SupportExperiences experiences, CampaignConfig config) {
        this.experiences = experiences;
        this.config = config;
    }

    public Uni<MarketingHold> holdFor(UUID profileId) {
        return experiences.lastBad(profileId).map(last -> {
            MarketingHold.Builder hold = MarketingHold.newBuilder().setProfileId(profileId.toString());
            last.ifPresent(bad -> {
                Instant until = bad.time().plus(config.supportHold());
                if (until.isAfter(clock.instant())) {
                    hold.setHeld(true).setUntilTime(Envelopes.timestamp(until)).setConversationId(bad.conversationId());
                }
            });
            return hold.build();
        });
    }

    /**
     * The last bad experience on record, whether or not it still holds marketing back (an access request shows what
     * is held): until_time says when marketing resumes, or resumed. Empty when none is on record.
     */
    public Uni<Optional<MarketingHold>> lastBadExperience(UUID profileId) {
        return experiences.lastBad(profileId).map(last -> last.map(bad -> {
            Instant until = bad.time().plus(config.supportHold());
            return MarketingHold.newBuilder().setProfileId(profileId.toString()).setHeld(until.isAfter(clock.instant()))
                    .setUntilTime(Envelopes.timestamp(until)).setConversationId(bad.conversationId()).build();
        }));
    }
}
