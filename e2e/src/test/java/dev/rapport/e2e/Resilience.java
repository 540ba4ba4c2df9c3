package dev.rapport.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The fault scenarios' results (tests tagged "fault"): what was injected, what was expected, what was observed. Printed
 * as a table when the run ends; {@code make resilience} also writes it into RESILIENCE.md (-Drapport.resilience.report).
 * A row is recorded once its scenario's checks passed: a scenario that fails fails the run instead.
 */
final class Resilience {
    static final String FAULT = "fault";
    private static final String START = "<!-- resilience:table -->";
    private static final String END = "<!-- /resilience:table -->";
    private static final List<String[]> ROWS = new ArrayList<>();

    private Resilience() {
    }

    static synchronized void record(String scenario, String injected, String expected, String observed) {
        ROWS.add(new String[] { scenario, injected, expected, observed });
    }

    /** Prints the table and, when asked, writes it into the report between its markers. */
    static synchronized void report() {
        if (ROWS.isEmpty()) {
            return;
        }
        StringBuilder table = new StringBuilder("| scenario | injected | expected | observed |\n|---|---|---|---|\n");
        for (String[] row : ROWS) {
            table.append("| ").append(String.join(" | ", java.util.Arrays.stream(row).map(c -> c.replace("|", "\\|")).toList())).append(" |\n");
        }
        System.out.println("[resilience]\n" + table);
        String report = System.getProperty("rapport.resilience.report", "");
        if (report.isEmpty()) {
            return;
        }
        Path file = Path.of(report);
        String machine = String.format("%d cores, %d GiB RAM, %s %s, JDK %s", Runtime.getRuntime().availableProcessors(),
                Math.round(totalMemoryGiB()), System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"));
        String section = START + "\nMeasured " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " on " + machine
                + " (the suite, PostgreSQL, Kafka and Keycloak on the same machine).\nCommand: `make resilience`.\n\n" + table + END;
        try {
            String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# Resilience\n\n" + START + "\n" + END + "\n";
            int from = text.indexOf(START);
            int to = text.indexOf(END);
            text = from < 0 || to < 0 ? text + "\n" + section + "\n" : text.substring(0, from) + section + text.substring(to + END.length());
            Files.writeString(file, text, StandardCharsets.UTF_8);
            System.out.println("[resilience] written to " + file);
        } catch (IOException e) {
            System.out.println("[resilience] could not write " + file + ": " + e);
        }
    }

    private static double totalMemoryGiB() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() / (1024.0 * 1024 * 1024) : 0;
    }
}
