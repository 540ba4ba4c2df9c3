package dev.rapport.segment.definition;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * A node of a segment definition, parsed and checked ({@link DefinitionParser}). Each node keeps its place in the
 * definition ({@code field}, e.g. "definition.of[1]") so explanations and errors point at it. The Java evaluator
 * (real time) and the SQL compiler (batch) give every kind the same meaning.
 */
public sealed interface Condition {
    String field();

    /** Every one holds. */
    record All(String field, List<Condition> of) implements Condition {
    }

    /** At least one holds. */
    record Any(String field, List<Condition> of) implements Condition {
    }

    record Not(String field, Condition condition) implements Condition {
    }

    /** The referenced segment's definition holds (its purpose is not applied: that is the referring segment's). */
    record InSegment(String field, UUID segmentId) implements Condition {
    }

    /** A profile attribute (standard or custom) compared by its type. */
    record AttributeIs(String field, String attribute, Comparison comparison) implements Condition {
    }

    /** Age in whole years on the evaluation day, from the birth date: born after {@code bornAfterYearsAgo} years ago
     *  (exclusive, null: no lower bound on the birth date) and on or before {@code bornByYearsAgo} years ago. */
    record AgeIs(String field, Integer bornByYearsAgo, Integer bornAfterYearsAgo) implements Condition {
    }

    /** The profile's location (attribute {@code location}) within {@code radiusKm} of a point. */
    record Near(String field, double latitude, double longitude, double radiusKm) implements Condition {
    }

    /** Events of a name (any name when null) matching every filter, counted within a window, compared to a bound. */
    record EventCount(String field, EventMatch match, Bound bound, Window window) implements Condition {
    }

    /** The time of the first or last matching event, compared; false when there is none. */
    record EventTime(String field, EventMatch match, boolean first, Comparison comparison) implements Condition {
    }

    /**
     * A first event (in the window), then another within {@code within} — or, when {@code thenHappened} is false, none
     * within it, once that time has passed ("added to cart, then no purchase within 2 hours").
     */
    record Sequence(String field, EventMatch first, EventMatch then, Duration within, boolean thenHappened, Window window)
            implements Condition {
    }

    /** Purchases (events named in rapport.purchases.events) in one currency within a window. */
    record Purchases(String field, Measure measure, String currency, Comparison comparison, Window window) implements Condition {
    }

    /** The profile's RFM scores (recency, frequency, monetary: 1 to 5) or named RFM segment; false when not scored. */
    record RfmIs(String field, String score, Comparison comparison) implements Condition {
    }

    /** The person's recorded consent for a purpose (on a channel, or for all channels when empty). */
    record ConsentIs(String field, String purpose, String channel, ConsentState state) implements Condition {
    }

    enum Measure {
        /** Sum of amounts. */
        TOTAL,
        /** Number of purchases. */
        COUNT,
        /** Sum of amounts / number of purchases (none: no average, the condition is false). */
        AVERAGE
    }

    enum ConsentState {
        GRANTED, WITHDRAWN, UNDECIDED
    }

    /** Which events count: a name (null for any) and property filters that must all hold. */
    record EventMatch(String name, List<PropertyFilter> where) {
    }

    /** An event property (a dot path into its properties) compared. */
    record PropertyFilter(String field, List<String> path, Comparison comparison) {
    }

    /** A count compared: at least, at most, or exactly {@code count}. */
    record Bound(Kind kind, long count) {
        public enum Kind {
            AT_LEAST, AT_MOST, EXACTLY
        }

        public boolean test(long n) {
            return switch (kind) {
                case AT_LEAST -> n >= count;
                case AT_MOST -> n <= count;
                case EXACTLY -> n == count;
            };
        }
    }
}
