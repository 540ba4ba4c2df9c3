package dev.rapport.chatbot.support;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.rapport.chatbot.knowledge.KnowledgeBase;

/**
 * The support teams and how a hand-over finds its team: who the customer is first (a team for their plan or one of
 * their segments), then what they ask about (the team for its topic), else the default team. Checked at start: a
 * topic claimed by two teams, or a team without a way to reach it, stops the service.
 */
@io.quarkus.runtime.Startup
@ApplicationScoped
public class Teams {
    public enum RoutedBy {
        PLAN, SEGMENT, TOPIC, DEFAULT
    }

    public record Team(String name, List<String> topics, Set<String> plans, Set<String> segments, OpeningHours hours, int agents,
            Duration handlingTime) {
    }

    public record Route(Team team, RoutedBy by) {
    }

    /** By name: the order routing tries plan and segment teams in, and the order agents see them in. */
    private final Map<String, Team> teams = new java.util.TreeMap<>();
    private final Map<String, Team> byTopic = new LinkedHashMap<>();
    private final Map<String, Team> byPlan = new LinkedHashMap<>();
    private final Map<String, Team> bySegment = new LinkedHashMap<>();
    private static final Logger LOG = Logger.getLogger(Teams.class);
    private final Team fallback;
    private final String planAttribute;
    private final List<String> pickable;

    Teams(SupportConfig config) {
        this.planAttribute = config.planAttribute();
        List<String> problems = new ArrayList<>();
        config.teams().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            String name = entry.getKey();
            SupportConfig.Team t = entry.getValue();
            if (!KnowledgeBase.TOPIC.matcher(name).matches()) {
                problems.add("rapport.support.teams." + name + ": a team name is lower case, like a topic");
            }
            Team team = new Team(name, t.topics().orElse(List.of()), Set.copyOf(t.plans().orElse(List.of())),
                    Set.copyOf(t.segments().orElse(List.of())),
                    OpeningHours.parse(t.hours().orElse(config.hours()), t.timeZone().map(ZoneId::of).orElse(config.timeZone())),
                    Math.max(1, t.agents().orElse(config.agents())), t.handlingTime().orElse(config.handlingTime()));
            if (team.topics().isEmpty() && team.plans().isEmpty() && team.segments().isEmpty() && !name.equals(config.defaultTeam())) {
                problems.add("rapport.support.teams." + name + ": no topics, plans or segments, so nothing would reach it");
            }
            for (String plan : team.plans()) {
                Team other = byPlan.putIfAbsent(plan, team);
                if (other != null) {
                    problems.add("rapport.support.teams: plan '" + plan + "' belongs to both " + other.name() + " and " + name);
                }
            }
            for (String segment : team.segments()) {
                Team other = bySegment.putIfAbsent(segment, team);
                if (other != null) {
                    problems.add("rapport.support.teams: segment '" + segment + "' belongs to both " + other.name() + " and " + name);
                }
            }
            for (String topic : team.topics()) {
                if (!KnowledgeBase.TOPIC.matcher(topic).matches()) {
                    problems.add("rapport.support.teams." + name + ".topics: '" + topic + "' is not a topic (lower case, e.g. billing)");
                }
                Team other = byTopic.putIfAbsent(topic, team);
                if (other != null) {
                    problems.add("rapport.support.teams: topic '" + topic + "' belongs to both " + other.name() + " and " + name);
                }
            }
            teams.put(name, team);
        });
        // the default team need not be configured: it then has the general hours and staffing
        fallback = teams.computeIfAbsent(config.defaultTeam(), name -> new Team(name, List.of(), Set.of(), Set.of(),
                OpeningHours.parse(config.hours(), config.timeZone()), Math.max(1, config.agents()), config.handlingTime()));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        pickable = teams.values().stream().filter(t -> !t.topics().isEmpty()).map(t -> t.topics().get(0)).toList();
        // what the desk was configured as, once at start: where an operator looks first when a hand-over surprises
        teams.values().forEach(t -> LOG.infof("support team %s: open %s, %d answering, topics %s, plans %s, segments %d",
                t.name(), t.hours().describe(), t.agents(), t.topics(), t.plans(), t.segments().size()));
    }

    /** Where a hand-over goes, given what the support purpose may know of the customer and what they asked about. */
    public Route route(String topic, String plan, Collection<String> segments) {
        for (Team team : teams.values()) {
            if (plan != null && team.plans().contains(plan)) {
                return new Route(team, RoutedBy.PLAN);
            }
        }
        for (Team team : teams.values()) {
            if (segments.stream().anyMatch(team.segments()::contains)) {
                return new Route(team, RoutedBy.SEGMENT);
            }
        }
        Team forTopic = topic == null ? null : byTopic.get(topic);
        return forTopic != null ? new Route(forTopic, RoutedBy.TOPIC) : new Route(fallback, RoutedBy.DEFAULT);
    }

    /** The profile attribute that holds the customer's plan. */
    public String planAttribute() {
        return planAttribute;
    }

    public Optional<Team> named(String name) {
        return Optional.ofNullable(teams.get(name));
    }

    /** The team a conversation waits for: its own, or the default team when it has none (or one no longer configured). */
    public Team of(String name) {
        return name == null ? fallback : teams.getOrDefault(name, fallback);
    }

    /** The configured team names, for SQL: a conversation of a team no longer configured waits for the default team. */
    public String[] names() {
        return teams.keySet().toArray(String[]::new);
    }

    public Collection<Team> all() {
        return teams.values();
    }

    /** The topics a customer may pick when the bot asks what it is about: each topic team's first topic. */
    public List<String> pickableTopics() {
        return pickable;
    }
}
