package dev.rapport.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The real PostgreSQL, Kafka and Keycloak tests run against, through the same script as {@code make run}
 * (stack/stack.sh). A part that already answers is reused; one that does not is started once and left running for
 * the next test class and module ({@code make test} stops what it started; otherwise {@code make stop}).
 */
public final class LocalStack {
    public enum Part {
        POSTGRES("postgres", 5432), KAFKA("kafka", 9092), KEYCLOAK("keycloak", 8180);

        final String name;
        final int port;

        Part(String name, int port) {
            this.name = name;
            this.port = port;
        }
    }

    public static final String KAFKA_BOOTSTRAP = "127.0.0.1:9092";
    public static final String KEYCLOAK_URL = "http://localhost:8180";

    private LocalStack() {
    }

    public static synchronized void ensure(Part... parts) {
        List<String> missing = new ArrayList<>();
        for (Part part : parts) {
            if (!listening(part.port)) {
                missing.add(part.name);
            }
        }
        if (missing.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("bash", root().resolve("stack/stack.sh").toString(), "up", "--owner", "test"));
        command.addAll(missing);
        try {
            Process process = new ProcessBuilder(command).inheritIO().start();
            if (process.waitFor() != 0) {
                throw new IllegalStateException("stack/stack.sh could not start " + missing + " (see .run/logs)");
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run stack/stack.sh", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The repository root: set by the parent pom for tests, else found by walking up to stack/stack.sh. */
    public static Path root() {
        String configured = System.getProperty("rapport.root");
        if (configured != null && Files.exists(Path.of(configured, "stack", "stack.sh"))) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("stack/stack.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root (stack/stack.sh)");
        }
        return dir;
    }
}
