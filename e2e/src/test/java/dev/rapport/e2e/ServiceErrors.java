package dev.rapport.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.rapport.testing.LocalStack;

/**
 * What the services logged as errors, in a few lines: after a failed end-to-end run, the cause of an "INTERNAL:
 * internal error" is in a service's log, which a CI run does not keep.
 */
final class ServiceErrors {
    private static final int MAX_LINES = 8;
    /** Where each log ended when this run began: a log a developer's earlier runs appended to is read from there. */
    private static final Map<Path, Long> START = new java.util.concurrent.ConcurrentHashMap<>();

    private ServiceErrors() {
    }

    /** Notes where the logs end now, before this run's services write to them. */
    static void markStart() {
        try (var logs = Files.list(LocalStack.root().resolve(".run/logs"))) {
            logs.filter(p -> p.getFileName().toString().endsWith("-e2e.log")).forEach(p -> START.put(p, p.toFile().length()));
        } catch (IOException e) {
            // no logs yet: every line is this run's
        }
    }

    /** The newest distinct errors across the suite's logs (.run/logs/*-e2e.log), one line each with their root cause. */
    static List<String> digest() {
        Map<String, String> newest = new LinkedHashMap<>();
        try (var logs = Files.list(LocalStack.root().resolve(".run/logs"))) {
            for (Path log : logs.filter(p -> p.getFileName().toString().endsWith("-e2e.log")).sorted().toList()) {
                String service = log.getFileName().toString().replace("-e2e.log", "");
                List<String> lines = since(log, START.getOrDefault(log, 0L));
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (!line.contains(" ERROR [") || line.contains("[Error Occurred After Shutdown]")) {
                        continue;
                    }
                    String cause = "";
                    for (int j = i + 1; j < lines.size() && j < i + 400 && !lines.get(j).matches("^\\d\\d:\\d\\d:\\d\\d.*"); j++) {
                        if (lines.get(j).startsWith("Caused by: ")) {
                            cause = " ← " + lines.get(j).substring("Caused by: ".length()); // the innermost wins
                        }
                    }
                    String entry = service + " " + line + cause;
                    String key = service + line.replaceFirst("^\\S+ ERROR \\[[^]]*\\] \\([^)]*\\) ", "").replaceAll("\\d+", "#");
                    newest.remove(key);
                    newest.put(key, entry.length() > 400 ? entry.substring(0, 400) + "…" : entry);
                }
            }
        } catch (IOException e) {
            return List.of("(the services' logs could not be read: " + e + ")");
        }
        List<String> all = new ArrayList<>(newest.values());
        all.sort(java.util.Comparator.comparing(entry -> entry.substring(entry.indexOf(' ') + 1)));
        return all.subList(Math.max(0, all.size() - MAX_LINES), all.size());
    }

    private static List<String> since(Path log, long offset) throws IOException {
        try (var file = new java.io.RandomAccessFile(log.toFile(), "r")) {
            long from = offset <= file.length() ? offset : 0; // a log started afresh
            file.seek(from);
            byte[] bytes = new byte[(int) Math.min(Integer.MAX_VALUE - 8, file.length() - from)];
            file.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8).lines().toList();
        }
    }
}
