package dev.rapport.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How every benchmark writes BENCHMARKS.md: its own section, rewritten in place, with the machine it ran on. */
public final class BenchmarkReport {
    private BenchmarkReport() {
    }

    /** Replaces the section between {@code <!-- bench:NAME -->} markers, or appends it. */
    public static void replaceSection(Path report, String name, String body) throws IOException {
        String section = "<!-- bench:" + name + " -->\n" + body.strip() + "\n<!-- /bench:" + name + " -->\n";
        String existing = Files.exists(report) ? Files.readString(report) : "# Benchmarks\n";
        Pattern old = Pattern.compile("<!-- bench:" + Pattern.quote(name) + " -->.*?<!-- /bench:" + Pattern.quote(name) + " -->\n?",
                Pattern.DOTALL);
        Matcher found = old.matcher(existing);
        String updated = found.find() ? found.replaceFirst(Matcher.quoteReplacement(section))
                : existing + (existing.endsWith("\n") ? "\n" : "\n\n") + section;
        Files.writeString(report, updated);
    }

    /** The machine a figure was measured on, in one line. */
    public static String machine() {
        String cpu = "unknown CPU";
        long memoryKb = 0;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
            memoryKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0L);
        } catch (IOException | RuntimeException e) {
            // not Linux: keep what the JVM says
        }
        return String.format("%d cores (%s), %d GiB RAM, %s %s, JDK %s", Runtime.getRuntime().availableProcessors(), cpu,
                Math.round(memoryKb / 1048576.0), System.getProperty("os.name"), System.getProperty("os.arch"),
                System.getProperty("java.version"));
    }
}
