package dev.rapport.campaign.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "rapport.campaign")
public interface CampaignConfig {
    /** How long marketing holds back after a bad support experience. */
    @WithDefault("72h")
    Duration supportHold();
}
