package dev.rapport.privacy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The purposes personal data may be used for (fideslang's data uses plus Rapport's {@code support}), read from
 * {@code data-uses.txt} beside this class: a segment, a campaign and a consent record each name one of them.
 */
public final class DataUses {
    public static final String ESSENTIAL_SERVICE = "essential.service";

    private static final Set<String> KNOWN = load();

    private DataUses() {
    }

    public static boolean isKnown(String use) {
        return KNOWN.contains(use);
    }

    /** Uses that never depend on optional consent (DESIGN.md, "Privacy model"). */
    public static boolean isEssential(String use) {
        return use.equals("essential") || use.startsWith("essential.");
    }

    private static Set<String> load() {
        try (var in = DataUses.class.getResourceAsStream("data-uses.txt")) {
            if (in == null) {
                throw new IllegalStateException("data-uses.txt is missing from the privacy library");
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::strip)
                    .filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .collect(Collectors.toUnmodifiableSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
