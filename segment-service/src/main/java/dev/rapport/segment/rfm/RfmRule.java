package dev.rapport.segment.rfm;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;

/** A named RFM segment: the score ranges (1 to 5, both ends included) it takes. First match wins. */
public record RfmRule(String name, int recencyMin, int recencyMax, int frequencyMin, int frequencyMax, int monetaryMin, int monetaryMax) {

    /** The standard named segments, over recency and frequency (Champions also need monetary value). */
    public static final List<RfmRule> STANDARD = List.of(
            new RfmRule("Champions", 4, 5, 4, 5, 3, 5),
            new RfmRule("Loyal Customers", 3, 5, 4, 5, 1, 5),
            new RfmRule("Potential Loyalists", 4, 5, 2, 3, 1, 5),
            new RfmRule("New Customers", 5, 5, 1, 1, 1, 5),
            new RfmRule("Promising", 4, 4, 1, 1, 1, 5),
            new RfmRule("Need Attention", 3, 3, 3, 3, 1, 5),
            new RfmRule("About To Sleep", 3, 3, 1, 2, 1, 5),
            new RfmRule("Can't Lose Them", 1, 2, 5, 5, 1, 5),
            new RfmRule("At Risk", 1, 2, 3, 4, 1, 5),
            new RfmRule("Hibernating", 2, 2, 1, 2, 1, 5),
            new RfmRule("Lost", 1, 1, 1, 2, 1, 5));

    public boolean matches(int r, int f, int m) {
        return r >= recencyMin && r <= recencyMax && f >= frequencyMin && f <= frequencyMax && m >= monetaryMin && m <= monetaryMax;
    }

    /** The segment a score falls in (rules checked complete, so there always is one). */
    public static String segmentOf(List<RfmRule> rules, int r, int f, int m) {
        return rules.stream().filter(rule -> rule.matches(r, f, m)).map(RfmRule::name).findFirst().orElseThrow();
    }

    /** Names unique, ranges within 1..5, and every one of the 125 score combinations in some segment. */
    public static void check(List<RfmRule> rules) {
        List<Violation> problems = new ArrayList<>();
        if (rules.isEmpty() || rules.size() > 30) {
            problems.add(new Violation("rules", "1 to 30 rules"));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < rules.size(); i++) {
            RfmRule rule = rules.get(i);
            String at = "rules[" + i + "]";
            if (rule.name().isBlank() || rule.name().length() > 64 || !names.add(rule.name())) {
                problems.add(new Violation(at + ".name", "a name of 1 to 64 characters, different from the others"));
            }
            range(problems, at + ".recency", rule.recencyMin(), rule.recencyMax());
            range(problems, at + ".frequency", rule.frequencyMin(), rule.frequencyMax());
            range(problems, at + ".monetary", rule.monetaryMin(), rule.monetaryMax());
        }
        if (problems.isEmpty()) {
            for (int r = 1; r <= 5; r++) {
                for (int f = 1; f <= 5; f++) {
                    for (int m = 1; m <= 5; m++) {
                        final int rr = r, ff = f, mm = m;
                        if (rules.stream().noneMatch(rule -> rule.matches(rr, ff, mm))) {
                            problems.add(new Violation("rules", "no rule covers recency " + r + ", frequency " + f + ", monetary " + m));
                            throw new InvalidInput(problems);
                        }
                    }
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
    }

    private static void range(List<Violation> problems, String at, int min, int max) {
        if (min < 1 || max > 5 || min > max) {
            problems.add(new Violation(at, "a range of scores from 1 to 5, min at most max"));
        }
    }
}
