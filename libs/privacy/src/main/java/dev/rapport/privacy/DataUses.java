package dev.rapport.privacy;

import java.util.Set;

/**
 * The purposes personal data may be used for (fideslang's data uses plus Rapport's {@code support}), read from
 * {@code data-uses.txt} beside this class: a segment, a campaign and a consent record each name one of them.
 */
public final class DataUses {
    private static final Set<String> KNOWN = Taxonomy.load("data-uses.txt");

    private DataUses() {
    }

    public static boolean isKnown(String use) {
        return KNOWN.contains(use);
    }

    public static Set<String> all() {
        return KNOWN;
    }

    /** Uses that never depend on optional consent (DESIGN.md, "Privacy model"). */
    public static boolean isEssential(String use) {
        return use.equals("essential") || use.startsWith("essential.");
    }
}
