package dev.rapport.segment.segment;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.segment.definition.Condition;
import dev.rapport.runtime.PurchaseConvention;

/** A saved segment's current version, parsed. */
public record SavedSegment(UUID id, String name, String purpose, long version, JsonNode definition, Condition condition) {

    /** What can change a profile's membership: which events, attributes, consent, or time itself. */
    public record Inputs(Set<String> eventNames, boolean anyEvent, Set<String> attributes, boolean consent, boolean time, boolean rfm) {
        public boolean usesEvents(Set<String> names) {
            return anyEvent || names.stream().anyMatch(eventNames::contains);
        }

        public boolean usesAttributes(Set<String> names) {
            return names.stream().anyMatch(attributes::contains);
        }
    }

    /** The inputs of this segment, through the segments it refers to. */
    public Inputs inputs(Map<UUID, SavedSegment> all, PurchaseConvention purchases) {
        Collector c = new Collector(all, purchases);
        c.walk(condition, new HashSet<>());
        // The purpose's basis is consent: a grant or withdrawal can move anyone in or out.
        return new Inputs(Set.copyOf(c.events), c.anyEvent, Set.copyOf(c.attributes), true, c.time, c.rfm);
    }

    private static final class Collector {
        final Map<UUID, SavedSegment> all;
        final PurchaseConvention purchases;
        final Set<String> events = new HashSet<>();
        final Set<String> attributes = new HashSet<>();
        boolean anyEvent;
        boolean time;
        boolean rfm;

        Collector(Map<UUID, SavedSegment> all, PurchaseConvention purchases) {
            this.all = all;
            this.purchases = purchases;
        }

        void walk(Condition condition, Set<UUID> visited) {
            switch (condition) {
                case Condition.All a -> a.of().forEach(c -> walk(c, visited));
                case Condition.Any a -> a.of().forEach(c -> walk(c, visited));
                case Condition.Not n -> walk(n.condition(), visited);
                case Condition.InSegment in -> {
                    SavedSegment referenced = all.get(in.segmentId());
                    if (referenced != null && visited.add(in.segmentId())) {
                        walk(referenced.condition(), visited);
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
                    event(e.match());
                    time |= e.window().moves();
                }
                case Condition.EventTime e -> {
                    event(e.match());
                    time |= e.comparison().moves();
                }
                case Condition.Sequence s -> {
                    event(s.first());
                    event(s.then());
                    time |= s.window().moves() || !s.thenHappened();
                }
                case Condition.Purchases p -> {
                    events.addAll(purchases.events());
                    time |= p.window().moves();
                }
                case Condition.RfmIs r -> rfm = true;
                case Condition.ConsentIs c -> {
                }
            }
        }

        void event(Condition.EventMatch match) {
            if (match.name() == null) {
                anyEvent = true;
            } else {
                events.add(match.name());
            }
        }
    }
}
