package dev.rapport.chatbot.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** How a hand-over finds its team: who the customer is first, then what they asked about, else the default team. */
class TeamsRoutingTest {
    private final Teams teams = new Teams(config(Map.of(
            "billing", team(List.of("billing", "refunds"), List.of(), List.of(), "MON-FRI 09:00-17:00"),
            "delivery", team(List.of("delivery"), List.of(), List.of(), null),
            "priority", team(List.of(), List.of("premium"), List.of("vip"), null))));

    @Test
    void planAndSegmentComeBeforeTheTopicAndTheDefaultTakesTheRest() {
        assertEquals(route("priority", Teams.RoutedBy.PLAN), teams.route("billing", "premium", List.of()));
        assertEquals(route("priority", Teams.RoutedBy.SEGMENT), teams.route("billing", "basic", List.of("newsletter", "vip")));
        assertEquals(route("billing", Teams.RoutedBy.TOPIC), teams.route("refunds", "basic", List.of("newsletter")));
        assertEquals(route("support", Teams.RoutedBy.DEFAULT), teams.route("weather", null, List.of()));
        assertEquals(route("support", Teams.RoutedBy.DEFAULT), teams.route(null, null, List.of()));
        assertEquals(List.of("billing", "delivery"), teams.pickableTopics(), "each topic team's first topic, by name");
        assertTrue(teams.named("billing").orElseThrow().hours().describe().startsWith("MON-FRI 09:00-17:00"), "a team's own hours");
        assertEquals("always (UTC)", teams.of(null).hours().describe(), "the default team has the general hours");
    }

    @Test
    void aTopicOfTwoTeamsOrATeamNothingReachesStopsTheService() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class, () -> new Teams(config(Map.of(
                "billing", team(List.of("billing"), List.of(), List.of(), null),
                "money", team(List.of("billing"), List.of(), List.of(), null)))));
        assertTrue(twice.getMessage().contains("topic 'billing' belongs to both billing and money"), twice.getMessage());
        IllegalArgumentException plan = assertThrows(IllegalArgumentException.class, () -> new Teams(config(Map.of(
                "gold", team(List.of(), List.of("premium"), List.of(), null),
                "vip", team(List.of(), List.of("premium"), List.of(), null)))));
        assertTrue(plan.getMessage().contains("plan 'premium' belongs to both gold and vip"), plan.getMessage());
        IllegalArgumentException unreachable = assertThrows(IllegalArgumentException.class, () -> new Teams(config(Map.of(
                "sales", team(List.of(), List.of(), List.of(), null)))));
        assertTrue(unreachable.getMessage().contains("sales: no topics, plans or segments"), unreachable.getMessage());
    }

    private Teams.Route route(String team, Teams.RoutedBy by) {
        return new Teams.Route(teams.of(team), by);
    }

    private static SupportConfig.Team team(List<String> topics, List<String> plans, List<String> segments, String hours) {
        return new SupportConfig.Team() {
            public Optional<List<String>> topics() { return Optional.of(topics); }
            public Optional<List<String>> plans() { return Optional.of(plans); }
            public Optional<List<String>> segments() { return Optional.of(segments); }
            public Optional<String> hours() { return Optional.ofNullable(hours); }
            public Optional<String> timeZone() { return Optional.empty(); }
            public Optional<Integer> agents() { return Optional.empty(); }
            public Optional<Duration> handlingTime() { return Optional.empty(); }
        };
    }

    private static SupportConfig config(Map<String, SupportConfig.Team> teams) {
        return new SupportConfig() {
            public String hours() { return "always"; }
            public ZoneId timeZone() { return ZoneId.of("UTC"); }
            public Duration handlingTime() { return Duration.ofMinutes(6); }
            public int agents() { return 1; }
            public String defaultTeam() { return "support"; }
            public String planAttribute() { return "plan"; }
            public Map<String, SupportConfig.Team> teams() { return teams; }
        };
    }
}
