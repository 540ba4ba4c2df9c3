package dev.rapport.chatbot.support;

import java.time.Duration;
import java.time.ZoneId;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** When people answer chats, and how fast: what the bot tells a customer it hands over. */
@ConfigMapping(prefix = "rapport.support")
public interface SupportConfig {
    /** Opening hours, e.g. "MON-FRI 09:00-18:00, SAT 10:00-14:00"; "always"; or "never" (bot and tickets only). */
    @WithDefault("always")
    String hours();

    @WithDefault("UTC")
    ZoneId timeZone();

    /** How long a person takes with one conversation on average: the wait estimate's basis. */
    @WithDefault("6m")
    Duration handlingTime();

    /** People answering chats at once during opening hours. */
    @WithDefault("1")
    int agents();
}
