package dev.rapport.profile.config;

import java.util.List;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Which events feed the engagement traits (purchases: {@link dev.rapport.runtime.PurchaseConvention}). */
@ConfigMapping(prefix = "rapport.traits")
public interface TraitConfig {
    /** Events that show a person engaging: they feed the hour-of-week histogram and the best hour to reach them. */
    @WithDefault("session_started,app_opened,message_opened,message_clicked,email_opened,email_clicked,push_opened")
    List<String> engagementEvents();

    /** Engagements needed before a best hour is derived (below it, campaigns use their fallback hour). */
    @WithDefault("5")
    int bestHourMinimum();
}
