package dev.rapport.privacy;

import java.util.Set;

/**
 * The data categories personal data may be labelled with (fideslang's "user" taxonomy plus Rapport's few
 * extensions), read from {@code data-categories.txt} beside this class: every attribute, field and topic that holds
 * personal data names one of them.
 */
public final class DataCategories {
    private static final Set<String> KNOWN = Taxonomy.load("data-categories.txt");

    private DataCategories() {
    }

    public static boolean isKnown(String category) {
        return KNOWN.contains(category);
    }

    public static Set<String> all() {
        return KNOWN;
    }
}
