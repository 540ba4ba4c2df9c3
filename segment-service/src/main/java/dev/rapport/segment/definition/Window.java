package dev.rapport.segment.definition;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * When events count: the last {@code last} up to now (both ends included), from {@code from} (included) to {@code to}
 * (excluded), or ever (all null).
 */
public record Window(Duration last, Instant from, Instant to) {
    public static final Window EVER = new Window(null, null, null);

    /** The bounds at {@code now}: from (included, null for none) and until (excluded, null for none). */
    public Range at(Instant now) {
        if (last != null) {
            return new Range(now.minus(last), now.plus(1, ChronoUnit.MICROS));
        }
        return new Range(from, to);
    }

    /** A relative window moves with time: membership can change without any event. */
    public boolean moves() {
        return last != null;
    }

    public record Range(Instant from, Instant until) {
        public boolean contains(Instant t) {
            return (from == null || !t.isBefore(from)) && (until == null || t.isBefore(until));
        }
    }
}
