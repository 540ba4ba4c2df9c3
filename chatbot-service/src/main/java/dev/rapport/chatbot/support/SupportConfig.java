package dev.rapport.chatbot.support;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Who answers chats, when and how fast: the teams, how a hand-over finds its team, and what the bot tells a customer
 * it hands over. A team without hours, agents or handling time of its own takes these.
 */
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

    /** The team that takes what no other team's rule takes. */
    @WithDefault("support")
    String defaultTeam();

    /** The profile attribute that holds the customer's plan (routing by plan). */
    @WithDefault("plan")
    String planAttribute();

    /** The teams by name. */
    Map<String, Team> teams();

    interface Team {
        /** Article topics whose hand-overs this team takes. */
        Optional<List<String>> topics();

        /** Customers on these plans come to this team whatever they ask (checked before topics). */
        Optional<List<String>> plans();

        /** Customers in these segments (by name) come to this team whatever they ask (checked before topics). */
        Optional<List<String>> segments();

        Optional<String> hours();

        Optional<String> timeZone();

        Optional<Integer> agents();

        Optional<Duration> handlingTime();
    }
}
