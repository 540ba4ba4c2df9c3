package dev.rapport.campaign.message;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which of a campaign's message variants a person gets. Language first, along a fallback chain — the person's tag
 * ({@code ca-ES}), its language ({@code ca}), the campaign's fallback for that language ({@code ca → es}), then the
 * campaign's default — so no one gets a language the campaign lacks unless a default is set. Within the language, the
 * variant for the person's city beats their region's, which beats their country's, which beats the one for everyone.
 */
public final class VariantChoice {
    /** A variant's language and where it is for (empty: everyone). */
    public record Variant(String locale, String country, String region, String city) {
    }

    /** What the choice knows of a person: their language (BCP 47) and where they are. */
    public record Person(String language, String country, String region, String city) {
    }

    /** The index of the chosen variant, or -1 with the reason in {@link #why}. */
    public record Choice(int index, String why) {
        public boolean chosen() {
            return index >= 0;
        }
    }

    private VariantChoice() {
    }

    public static Choice choose(List<Variant> variants, Map<String, String> languageFallbacks, String defaultLocale, Person person) {
        List<String> chain = chain(person.language(), languageFallbacks, defaultLocale);
        for (String tag : chain) {
            int best = -1;
            int bestScore = -1;
            for (int i = 0; i < variants.size(); i++) {
                Variant v = variants.get(i);
                if (!v.locale().equalsIgnoreCase(tag)) {
                    continue;
                }
                int score = placeScore(v, person);
                if (score > bestScore) {
                    best = i;
                    bestScore = score;
                }
            }
            if (best >= 0) {
                return new Choice(best, "language " + tag + (bestScore > 0 ? ", " + where(variants.get(best)) : ""));
            }
        }
        return new Choice(-1, "no variant for " + String.join(" → ", chain.isEmpty() ? List.of("an unknown language") : chain)
                + (defaultLocale.isEmpty() ? " and no default" : " that fits where the person is"));
    }

    /** The tags to try, most specific first, each once. */
    static List<String> chain(String language, Map<String, String> fallbacks, String defaultLocale) {
        Set<String> tags = new LinkedHashSet<>();
        if (language != null && !language.isBlank()) {
            Locale locale = Locale.forLanguageTag(language.strip());
            String full = locale.toLanguageTag();
            String base = locale.getLanguage();
            if (!full.equals("und")) {
                tags.add(full);
            }
            if (!base.isEmpty()) {
                tags.add(base);
            }
            for (String key : new String[] { full, base }) {
                String fallback = fallbacks.get(key);
                if (fallback != null && !fallback.isBlank()) {
                    tags.add(fallback);
                }
            }
        }
        if (!defaultLocale.isBlank()) {
            tags.add(defaultLocale);
        }
        return new ArrayList<>(tags);
    }

    /** 3 for the person's city, 2 region, 1 country, 0 everyone; -1 for a variant meant for somewhere else. */
    private static int placeScore(Variant v, Person p) {
        if (!v.country().isEmpty() && !v.country().equalsIgnoreCase(p.country())) {
            return -1;
        }
        if (!v.region().isEmpty() && !v.region().equalsIgnoreCase(p.region())) {
            return -1;
        }
        if (!v.city().isEmpty() && !v.city().equalsIgnoreCase(p.city())) {
            return -1;
        }
        return !v.city().isEmpty() ? 3 : !v.region().isEmpty() ? 2 : !v.country().isEmpty() ? 1 : 0;
    }

    private static String where(Variant v) {
        return !v.city().isEmpty() ? "city " + v.city() : !v.region().isEmpty() ? "region " + v.region() : "country " + v.country();
    }
}
