package dev.rapport.privacy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * What a person's consent allows, per jurisdiction: which purposes need opt-in, which are opt-out, which data
 * categories need consent of their own, and what changes for minors. The rules are data ({@code consent-policy.json}
 * beside this class, or a deployment's own file), checked when loaded: a policy with a mistake does not start.
 */
public final class ConsentPolicy {
    /** How a purpose or category relates to consent. */
    public enum Rule {
        OPT_IN, OPT_OUT, NONE
    }

    /** The lawful basis a use has for one person, and why. */
    public record Basis(boolean allowed, String basis, String reason) {
        static Basis essential(String purpose) {
            return new Basis(true, "essential", purpose + " is essential: it never depends on optional consent");
        }
    }

    /** One jurisdiction's rules. */
    public record Regime(String name, Rule otherwise, Map<String, Rule> purposes, Map<String, Rule> minors,
            Map<String, Rule> categories, int minorAge, Requests requests) {
    }

    /**
     * How long a data-subject request may take under a regime (GDPR Art. 12(3): one month, extendable by two; CCPA: 45
     * days, extendable once by 45), counted in calendar time from receipt (UTC); no extension when it is zero.
     */
    public record Requests(Period answerWithin, Period extension) {
        public Instant deadline(Instant received, boolean extended) {
            // From receipt in one step: 31 January + three months is 30 April, not (28 February + two months) 28 April.
            return received.atZone(ZoneOffset.UTC).plus(extended ? answerWithin.plus(extension) : answerWithin).toInstant();
        }

        public boolean extendable() {
            return !extension.isZero();
        }
    }

    private static final Pattern REGION = Pattern.compile("[A-Z]{2}(-[A-Z0-9]{1,3})?");

    private final Map<String, Rule> everywhere;
    private final Map<String, Regime> byRegion;
    private final Regime fallback;
    private final Map<String, Set<String>> purposeCategories;

    private ConsentPolicy(Map<String, Rule> everywhere, Map<String, Regime> byRegion, Regime fallback,
            Map<String, Set<String>> purposeCategories) {
        this.everywhere = everywhere;
        this.byRegion = byRegion;
        this.fallback = fallback;
        this.purposeCategories = purposeCategories;
    }

    /** The policy Rapport ships with. */
    public static ConsentPolicy standard() {
        try (InputStream in = ConsentPolicy.class.getResourceAsStream("consent-policy.json")) {
            return load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads and checks a policy; every mistake is named in the exception's message. */
    public static ConsentPolicy load(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        List<String> problems = new ArrayList<>();
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("consent policy: not a JSON object");
        }
        Map<String, Rule> everywhere = rules(root.path("purposes"), "purposes", true, problems);
        int minorAge = minorAge(root.path("minor_age"), 16, "minor_age", problems);
        Map<String, Regime> byRegion = new HashMap<>();
        JsonNode regimes = root.path("regimes");
        if (!regimes.isArray()) {
            problems.add("regimes: a list of regimes");
        }
        for (int i = 0; i < regimes.size(); i++) {
            JsonNode node = regimes.get(i);
            String at = "regimes[" + i + "]";
            Regime regime = regime(node, at, minorAge, defaultRequests(root, problems), problems);
            JsonNode regions = node.path("regions");
            if (!regions.isArray() || regions.isEmpty()) {
                problems.add(at + ".regions: a non-empty list of ISO 3166 codes (\"DE\", \"US-CA\")");
            }
            for (JsonNode region : regions) {
                if (!REGION.matcher(region.asText()).matches()) {
                    problems.add(at + ".regions: \"" + region.asText() + "\" is not an ISO 3166 code such as \"DE\" or \"US-CA\"");
                } else if (byRegion.putIfAbsent(region.asText(), regime) != null) {
                    problems.add(at + ".regions: " + region.asText() + " already belongs to " + byRegion.get(region.asText()).name());
                }
            }
        }
        if (!root.path("default").isObject()) {
            problems.add("default: the regime for a person whose jurisdiction is unknown");
        }
        Regime fallback = regime(root.path("default"), "default", minorAge, null, problems);
        Map<String, Set<String>> purposeCategories = purposeCategories(root.path("purpose_categories"), problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("consent policy: " + String.join("; ", problems));
        }
        return new ConsentPolicy(everywhere, Map.copyOf(byRegion), fallback, purposeCategories);
    }

    /** Purpose -> the only data categories (and those under them) it may see; a purpose not named sees what it is given. */
    private static Map<String, Set<String>> purposeCategories(JsonNode node, List<String> problems) {
        Map<String, Set<String>> limits = new LinkedHashMap<>();
        if (node.isMissingNode()) {
            return limits;
        }
        if (!node.isObject()) {
            problems.add("purpose_categories: an object of purpose to the data categories it may see");
            return limits;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            String at = "purpose_categories." + entry.getKey();
            if (!DataUses.isKnown(entry.getKey())) {
                problems.add(at + ": not a data use of the taxonomy");
            }
            if (!entry.getValue().isArray()) {
                problems.add(at + ": a list of data categories");
                continue;
            }
            Set<String> categories = new java.util.LinkedHashSet<>();
            for (JsonNode category : entry.getValue()) {
                if (!DataCategories.isKnown(category.asText())) {
                    problems.add(at + ": \"" + category.asText() + "\" is not a data category of the taxonomy");
                }
                categories.add(category.asText());
            }
            limits.put(entry.getKey(), Set.copyOf(categories));
        }
        return Map.copyOf(limits);
    }

    /**
     * Whether data of this category may be shown for this purpose at all (data minimisation, whatever the consent):
     * the policy's purpose_categories list what a purpose such as support sees, a category under a listed one is
     * covered. It fails closed: a purpose the policy lists nothing for sees nothing this way.
     */
    public boolean reveals(String purpose, String category) {
        // a narrower use (marketing.communications.email) sees what its broader one was given
        Set<String> allowed = null;
        for (String p = purpose; allowed == null && p != null; p = p.contains(".") ? p.substring(0, p.lastIndexOf('.')) : null) {
            allowed = purposeCategories.get(p);
        }
        if (allowed == null) {
            return false;
        }
        for (String c = category; c != null; c = Taxonomy.parent(c)) {
            if (allowed.contains(c)) {
                return true;
            }
        }
        return false;
    }

    /** The default regime's request deadlines: a regime that names none takes them. */
    private static Requests defaultRequests(JsonNode root, List<String> problems) {
        return requests(root.path("default").path("requests"), "default.requests", null, new ArrayList<>());
    }

    private static Requests requests(JsonNode node, String at, Requests otherwise, List<String> problems) {
        if (node.isMissingNode() && otherwise != null) {
            return otherwise;
        }
        Period within = period(node.path("answer_within"), at + ".answer_within", problems);
        Period extension = period(node.path("extension"), at + ".extension", problems);
        if (within != null && within.isZero()) {
            problems.add(at + ".answer_within: more than nothing");
        }
        return within == null || extension == null ? null : new Requests(within, extension);
    }

    private static Period period(JsonNode node, String at, List<String> problems) {
        try {
            Period period = Period.parse(node.asText(""));
            if (period.isNegative()) {
                problems.add(at + ": not negative");
                return null;
            }
            return period;
        } catch (DateTimeParseException e) {
            problems.add(at + ": an ISO 8601 period such as \"P1M\" or \"P45D\"");
            return null;
        }
    }

    private static Regime regime(JsonNode node, String at, int minorAge, Requests defaultRequests, List<String> problems) {
        String name = node.path("name").asText("");
        if (name.isBlank()) {
            problems.add(at + ".name: a name such as \"GDPR\"");
        }
        Rule otherwise = rule(node.path("otherwise"), at + ".otherwise", problems);
        if (otherwise == Rule.NONE) {
            problems.add(at + ".otherwise: opt_in or opt_out (a purpose with no consent involved is named in purposes)");
        }
        return new Regime(name, otherwise, rules(node.path("purposes"), at + ".purposes", true, problems),
                rules(node.path("minors"), at + ".minors", true, problems),
                rules(node.path("categories"), at + ".categories", false, problems),
                minorAge(node.path("minor_age"), minorAge, at + ".minor_age", problems),
                requests(node.path("requests"), at + ".requests", defaultRequests, problems));
    }

    private static Map<String, Rule> rules(JsonNode node, String at, boolean purposes, List<String> problems) {
        Map<String, Rule> rules = new LinkedHashMap<>();
        if (node.isMissingNode()) {
            return rules;
        }
        if (!node.isObject()) {
            problems.add(at + ": an object of " + (purposes ? "purpose" : "data category") + " to opt_in, opt_out or none");
            return rules;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            String key = entry.getKey();
            String where = at + "." + key;
            if (purposes && !DataUses.isKnown(key)) {
                problems.add(where + ": not a data use of the taxonomy");
            } else if (purposes && DataUses.isEssential(key)) {
                problems.add(where + ": essential uses never depend on optional consent");
            } else if (!purposes && !DataCategories.isKnown(key)) {
                problems.add(where + ": not a data category of the taxonomy");
            }
            Rule rule = rule(entry.getValue(), where, problems);
            if (rule != null) {
                rules.put(key, rule);
            }
        }
        return Map.copyOf(rules);
    }

    private static Rule rule(JsonNode node, String at, List<String> problems) {
        return switch (node.asText("")) {
            case "opt_in" -> Rule.OPT_IN;
            case "opt_out" -> Rule.OPT_OUT;
            case "none" -> Rule.NONE;
            default -> {
                problems.add(at + ": opt_in, opt_out or none");
                yield null;
            }
        };
    }

    private static int minorAge(JsonNode node, int otherwise, String at, List<String> problems) {
        if (node.isMissingNode()) {
            return otherwise;
        }
        if (!node.isInt() || node.asInt() < 1 || node.asInt() > 21) {
            problems.add(at + ": an age in years from 1 to 21");
            return otherwise;
        }
        return node.asInt();
    }

    /** The regime for an ISO 3166 jurisdiction ("US-CA" falls back to "US"); the default one when none matches. */
    public Regime regime(String jurisdiction) {
        if (jurisdiction == null || jurisdiction.isEmpty()) {
            return fallback;
        }
        Regime exact = byRegion.get(jurisdiction);
        if (exact != null) {
            return exact;
        }
        int dash = jurisdiction.indexOf('-');
        return dash > 0 ? byRegion.getOrDefault(jurisdiction.substring(0, dash), fallback) : fallback;
    }

    /** Every regime, the default one last. */
    public List<Regime> regimes() {
        List<Regime> all = new ArrayList<>(new java.util.LinkedHashSet<>(byRegion.values()));
        all.add(fallback);
        return all;
    }

    /** The regime of this name (as {@link Regime#name()} gives it); the default one for an unknown name. */
    public Regime regimeNamed(String name) {
        return byRegion.values().stream().filter(r -> r.name().equals(name)).findFirst().orElse(fallback);
    }

    /** The regime for a person whose jurisdiction is unknown. */
    public Regime fallback() {
        return fallback;
    }

    /** Whether the jurisdiction is one the policy can place (a known ISO 3166 shape; unknown ones get the default). */
    public static boolean isJurisdiction(String jurisdiction) {
        return REGION.matcher(jurisdiction).matches();
    }

    /** Whether a person born on this date is a minor under the jurisdiction's rules, today. */
    public boolean isMinor(String jurisdiction, LocalDate birthDate, LocalDate today) {
        return birthDate != null && Period.between(birthDate, today).getYears() < regime(jurisdiction).minorAge();
    }

    /** How a purpose relates to consent for this person: the most specific rule that names it or a broader use. */
    public Rule rule(Regime regime, String purpose, boolean minor) {
        for (String use = purpose; use != null; use = Taxonomy.parent(use)) {
            Rule rule = minor ? regime.minors().get(use) : null;
            if (rule == null) {
                rule = regime.purposes().get(use);
            }
            if (rule == null) {
                rule = everywhere.get(use);
            }
            if (rule != null) {
                return rule;
            }
        }
        return regime.otherwise();
    }

    /**
     * Whether a purpose (on a channel, "" for any) may be pursued for a person with this consent (null: they never
     * decided anything).
     */
    public Basis basis(ConsentView.SubjectConsent consent, String purpose, String channel, boolean minor) {
        if (DataUses.isEssential(purpose)) {
            return Basis.essential(purpose);
        }
        Regime regime = regime(consent == null ? "" : consent.jurisdiction());
        Rule rule = rule(regime, purpose, minor);
        Boolean decision = consent == null ? null : consent.decision(purpose, channel).orElse(null);
        String needs = regime.name() + ": " + purpose + (rule == Rule.OPT_IN ? " needs opt-in" : " is opt-out") + (minor ? " for a minor" : "");
        return switch (rule) {
            case NONE -> new Basis(true, "no consent needed", regime.name() + ": " + purpose + " does not rest on consent");
            case OPT_IN -> Boolean.TRUE.equals(decision) ? new Basis(true, "consent", needs + "; granted")
                    : new Basis(false, decision == null ? "no consent" : "withdrawn", needs + (decision == null ? "; never granted" : "; withdrawn"));
            case OPT_OUT -> Boolean.FALSE.equals(decision) ? new Basis(false, "withdrawn", needs + "; the person opted out")
                    : new Basis(true, "not objected", needs + "; not opted out");
        };
    }

    /**
     * Whether data of a category may be shown to a purpose for a person: essential uses see everything; otherwise a
     * category the regime puts under consent is seen only with that consent (opt-in) or until it is withdrawn (opt-out).
     */
    public boolean mayUse(ConsentView.SubjectConsent consent, String purpose, String category) {
        if (DataUses.isEssential(purpose)) {
            return true;
        }
        Regime regime = regime(consent == null ? "" : consent.jurisdiction());
        Rule rule = null;
        for (String c = category; c != null && rule == null; c = Taxonomy.parent(c)) {
            rule = regime.categories().get(c);
        }
        if (rule == null || rule == Rule.NONE) {
            return true;
        }
        Boolean decision = consent == null ? null : consent.categoryDecision(category).orElse(null);
        return rule == Rule.OPT_IN ? Boolean.TRUE.equals(decision) : !Boolean.FALSE.equals(decision);
    }
}
