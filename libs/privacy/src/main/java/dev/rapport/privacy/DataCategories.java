package dev.rapport.privacy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The data categories personal data may be labelled with (fideslang's "user" taxonomy plus Rapport's few
 * extensions), read from {@code data-categories.txt} beside this class: every attribute, field and topic that holds
 * personal data names one of them.
 */
public final class DataCategories {
    private static final Set<String> KNOWN = load();

    private DataCategories() {
    }

    public static boolean isKnown(String category) {
        return KNOWN.contains(category);
    }

    public static Set<String> all() {
        return KNOWN;
    }

    private static Set<String> load() {
        try (var in = DataCategories.class.getResourceAsStream("data-categories.txt")) {
            if (in == null) {
                throw new IllegalStateException("data-categories.txt is missing from the privacy library");
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
