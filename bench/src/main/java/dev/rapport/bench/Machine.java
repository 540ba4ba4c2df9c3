package dev.rapport.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine a figure was measured on, in one line for BENCHMARKS.md. */
final class Machine {
    private Machine() {
    }

    static String describe() {
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
