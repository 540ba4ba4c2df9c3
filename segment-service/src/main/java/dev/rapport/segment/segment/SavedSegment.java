package dev.rapport.segment.segment;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.segment.definition.Condition;
import dev.rapport.segment.definition.Window;
import dev.rapport.segment.evaluation.EventHistory;
import dev.rapport.runtime.PurchaseConvention;

/** A saved segment's current version, parsed. */
public record SavedSegment(UUID id, String name, String purpose, long version, JsonNode definition, Condition condition) {

    /**
     * What can change a profile's membership: which events, attributes, consent, or time itself; and how much of the
     * event history its evaluation reads (eventUses).
     */
    public record Inputs(Set<String> eventNames, boolean anyEvent, Set<String> attributes, boolean consent, boolean time, boolean rfm,
            List<EventHistory.Use> eventUses) {
        public boolean usesEvents(Set<String> names) {
            return anyEvent || names.stream().anyMatch(eventNames::contains);
        }

        public boolean usesAttributes(Set<String> names) {
            return names.stream().anyMatch(attributes::contains);
        }

        /** The inputs of a condition, through the segments it refers to ({@code referenced}: their conditions by id). */
        public static Inputs of(Condition condition, Function<UUID, Condition> referenced, PurchaseConvention purchases) {
            Collector c = new Collector(referenced, purchases);
            c.walk(condition, new HashSet<>());
            // The purpose's basis is consent: a grant or withdrawal can move anyone in or out.
            return new Inputs(Set.copyOf(c.events), c.anyEvent, Set.copyOf(c.attributes), true, c.time, c.rfm, List.copyOf(c.uses));
        }
    }

    /** The inputs of this segment, through the segments it refers to. */
    public Inputs inputs(Map<UUID, SavedSegment> all, PurchaseConvention purchases) {
        return Inputs.of(condition, id -> all.containsKey(id) ? all.get(id).condition() : null, purchases);
    }

    private static final class Collector {
        final Function<UUID, Condition> referenced;
        final PurchaseConvention purchases;
        final List<EventHistory.Use> uses = new ArrayList<>();
        final Set<String> events = new HashSet<>();
        final Set<String> attributes = new HashSet<>();
        boolean anyEvent;
        boolean time;
        boolean rfm;

        Collector(Function<UUID, Condition> referenced, PurchaseConvention purchases) {
            this.referenced = referenced;
            this.purchases = purchases;
        }

        void walk(Condition condition, Set<UUID> visited) {
            switch (condition) {
                case Condition.All a -> a.of().forEach(c -> walk(c, visited));
                case Condition.Any a -> a.of().forEach(c -> walk(c, visited));
                case Condition.Not n -> walk(n.condition(), visited);
                case Condition.InSegment in -> {
                    Condition other = referenced.apply(in.segmentId());
                    if (other != null && visited.add(in.segmentId())) {
                        walk(other, visited);
                    }
                }
                case Condition.AttributeIs a -> {
                    attributes.add(a.attribute());
                    time |= a.comparison().moves();
                }
                case Condition.AgeIs a -> {
                    attributes.add("birth_date");
                    time = true;
                }
                case Condition.Near n -> attributes.add("location");
                case Condition.EventCount e -> {
                    event(e.match(), e.window());
                    time |= e.window().moves();
                }
                case Condition.EventTime e -> {
                    event(e.match(), null); // the first or last time ever
                    time |= e.comparison().moves();
                }
                case Condition.Sequence s -> {
                    // the second event follows the first, which is in the window
                    event(s.first(), s.window());
                    event(s.then(), s.window());
                    time |= s.window().moves() || !s.thenHappened();
                }
                case Condition.Purchases p -> {
                    events.addAll(purchases.events());
                    purchases.events().forEach(name -> uses.add(new EventHistory.Use(name, p.window())));
                    time |= p.window().moves();
                }
                case Condition.RfmIs r -> rfm = true;
                case Condition.ConsentIs c -> {
                }
            }
        }

        void event(Condition.EventMatch match, Window window) {
            uses.add(new EventHistory.Use(match.name(), window));
            if (match.name() == null) {
                anyEvent = true;
            } else {
                events.add(match.name());
            }
        }
    }
}
