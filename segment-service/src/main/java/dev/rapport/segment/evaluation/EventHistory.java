package dev.rapport.segment.evaluation;

import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

import dev.rapport.segment.definition.Window;

/**
 * The part of a profile's event history an evaluation needs: every event of some names (or of every name), and of
 * other names (or of every name) only those since a time. A window reads nothing older than its start, so real time
 * need not read a profile's years of history for "in the last 60 days"; first and last times and "ever" read it all.
 */
public record EventHistory(boolean wholeOfEvery, Set<String> wholeOf, boolean recentOfEvery, Set<String> recentOf, Instant since) {
    public static final EventHistory ALL = new EventHistory(true, Set.of(), false, Set.of(), null);

    /** A condition's use of events: of a name (null: any event) within a window (null: the whole history). */
    public record Use(String name, Window window) {
    }

    /** What these uses need at {@code now}. */
    public static EventHistory of(Collection<Use> uses, Instant now) {
        boolean recentOfEvery = false;
        Set<String> whole = new HashSet<>();
        Set<String> recent = new HashSet<>();
        Instant since = null;
        for (Use use : uses) {
            Instant from = use.window() == null ? null : use.window().at(now).from();
            if (from == null && use.name() == null) {
                return ALL;
            } else if (from == null) {
                whole.add(use.name());
            } else {
                if (use.name() == null) {
                    recentOfEvery = true;
                } else {
                    recent.add(use.name());
                }
                since = since == null || from.isBefore(since) ? from : since;
            }
        }
        recent.removeAll(whole);
        return new EventHistory(false, Set.copyOf(whole), recentOfEvery, Set.copyOf(recent), since);
    }
}
