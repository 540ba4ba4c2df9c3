package dev.rapport.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The services' images, built here as `make images` builds them, and run as a Kubernetes pod of the chart would run
 * them: the image's files as the root filesystem, mounted read-only, the user 65532, the configuration the chart
 * renders mounted at /deployments/config, the environment the chart's Deployment sets, and a writable /tmp (the
 * pod's emptyDir) as the only writable place. Each must become ready against the real PostgreSQL and Kafka (and
 * Keycloak for the gateway) that `make test` runs.
 */
class ImageTest {

    private static final Path ROOT = Chart.DIR.getParent().getParent();
    private static final Path OUT = Path.of("target", "images").toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static Images images;

    @BeforeAll
    static void builder() throws IOException {
        images = new Images(ROOT, OUT, "0.1.0-test");
    }

    /** A booted image leaves nothing running: the next modules' tests share this machine and its Kafka. */
    @AfterAll
    static void nothingLeftRunning() {
        var left = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("/deployments/quarkus-run.jar")
                        && p.info().user().orElse("").equals(Images.USER))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList();
        assertEquals(List.of(), left, "services started from images still run");
    }

    @Test
    void anImageRunsAsItsOwnUserAndCannotChangeItself() throws Exception {
        Path tar = images.build("segment-service");
        var layout = Layout.read(tar);
        var config = layout.config().getAsJsonObject("config");
        assertEquals("65532:65532", config.get("User").getAsString());
        assertEquals("/deployments", config.get("WorkingDir").getAsString());
        assertEquals("[\"/opt/java/bin/java\",\"-jar\",\"/deployments/quarkus-run.jar\"]",
                config.get("Entrypoint").toString());
        int files = 0;
        var writable = new ArrayList<String>();
        for (var entry : layout.entries()) {
            files++;
            boolean ownedByRoot = entry.getLongUserId() == 0 && entry.getLongGroupId() == 0;
            if (!ownedByRoot || (entry.getMode() & 0022) != 0 || (entry.getMode() & 06000) != 0) {
                writable.add(entry.getName() + " " + Integer.toOctalString(entry.getMode()));
            }
        }
        assertTrue(files > 500, "the image holds a Java runtime and the service: " + files + " files");
        assertEquals(List.of(), writable, "files the service's user could change, or set-id files");
    }

    @Test
    void profileServiceBecomesReadyOnAReadOnlyRootFilesystem() throws Exception {
        try (var running = boot("profile-service")) {
            assertTrue(running.port() > 0);
        }
    }

    @Test
    void chatbotServiceUnpacksItsModelsNativeLibrariesIntoTmp() throws Exception {
        try (var running = boot("chatbot-service")) {
            assertTrue(running.port() > 0);
        }
    }

    @Test
    void theGatewayServesTheChatWidgetFromItsImage() throws Exception {
        try (var running = boot("gateway")) {
            // Served from the class path (Vert.x unpacks it into the pod's /tmp).
            var widget = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + running.port() + "/chat/widget.js"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, widget.statusCode());
            assertTrue(widget.body().contains("WebSocket"), "the widget script");
        }
    }

    /** A service booted from its image; closing it kills it. */
    private record Running(Process process, int port) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            // unshare's --kill-child does not reach the service once chroot changed its user (the kernel forgets the
            // parent-death signal then), so the service (the first process of its PID namespace) is killed here.
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Boots the service's image as the chart would run it, and waits until /q/health/ready is UP. */
    private Running boot(String service) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "running an image's root filesystem needs mount namespaces (root)");
        Path rootfs = Layout.read(images.build(service)).extract(OUT.resolve("rootfs-" + service));
        var manifests = Chart.render(List.of(), localStack());
        var deployment = manifests.named("Deployment", "rapport-" + service);
        var container = Yamls.list(deployment, "spec.template.spec.containers").get(0);
        Path config = Files.createDirectories(OUT.resolve("config-" + service));
        Files.writeString(config.resolve("application.properties"), Yamls.map(
                manifests.named("ConfigMap", "rapport-" + service), "data").get("application.properties").toString());

        int port;
        try (var socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        var env = new HashMap<String, String>();
        env.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("JAVA_HOME", "/opt/java");
        env.put("LANG", "C.UTF-8");
        env.put("HOME", "/tmp");
        for (var variable : Yamls.list(container, "env")) {
            String name = (String) variable.get("name");
            Object value = variable.get("value");
            // Secrets: the local stack's database login, and test keys.
            env.put(name, value != null ? value.toString()
                    : name.startsWith("QUARKUS_DATASOURCE_") ? "rapport" : "image-test-key-" + name);
        }
        // The pod's working directory is the image's (/deployments); chroot starts in /, so Java is told.
        env.put("JAVA_TOOL_OPTIONS", env.get("JAVA_TOOL_OPTIONS") + " -Duser.dir=/deployments");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));

        var script = new StringBuilder("set -e\n")
                .append("mount --bind '%1$s' '%1$s'\n")
                .append("mount -o remount,bind,ro '%1$s'\n")
                .append("mount --rbind /dev '%1$s/dev'\n")
                .append("mount -t proc proc '%1$s/proc'\n")
                .append("mount --bind '%2$s' '%1$s/deployments/config'\n");
        for (var mount : Yamls.list(container, "volumeMounts")) {
            if (!"config".equals(mount.get("name"))) {
                // The chart's emptyDir.
                script.append("mount -t tmpfs -o size=256m,mode=1777 tmpfs '%1$s").append(mount.get("mountPath")).append("'\n");
            }
        }
        script.append("exec chroot --userspec=65532:65532 '%1$s' /opt/java/bin/java -jar /deployments/quarkus-run.jar\n");
        Path log = OUT.resolve(service + ".log");
        var builder = new ProcessBuilder("unshare", "--mount", "--pid", "--fork", "sh", "-c",
                String.format(script.toString(), rootfs, config))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        var running = new Running(builder.start(), port);
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (!running.process().isAlive()) {
                running.close();
                throw new AssertionError(service + " exited (" + running.process().exitValue() + "):\n" + tail(log));
            }
            if (ready(port)) {
                return running;
            }
            Thread.sleep(500);
        }
        running.close();
        throw new AssertionError(service + " was not ready within 180 s:\n" + tail(log));
    }

    private static boolean ready(int port) throws InterruptedException {
        try {
            var response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    /** The chart's values for the local stack of `make test` (nothing bundled, everything on loopback). */
    private static Map<String, Object> localStack() {
        return Map.ofEntries(
                Map.entry("global.kafka.bundled", "false"),
                Map.entry("global.kafka.bootstrapServers", "127.0.0.1:9092"),
                Map.entry("global.kafka.topicPrefix", "image-" + UUID.randomUUID() + "."),
                Map.entry("global.postgresql.bundled", "false"),
                Map.entry("global.postgresql.host", "127.0.0.1"),
                Map.entry("global.postgresql.database", "rapport_test"),
                Map.entry("global.postgresql.existingSecret", "local"),
                Map.entry("global.keycloak.bundled", "false"),
                Map.entry("global.oidc.url", "http://localhost:8180/realms/rapport"),
                Map.entry("global.secrets.existingSecret", "local"));
    }

    private static String tail(Path log) throws IOException {
        var lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** An OCI image tarball: its config and its layers, in order. */
    record Layout(JsonObject config, List<byte[]> layers) {

        static Layout read(Path tar) throws IOException {
            var blobs = new HashMap<String, byte[]>();
            try (var in = new TarArchiveInputStream(Files.newInputStream(tar))) {
                for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
                    blobs.put(entry.getName(), in.readAllBytes());
                }
            }
            var index = JsonParser.parseString(new String(blobs.get("index.json"), StandardCharsets.UTF_8))
                    .getAsJsonObject();
            var manifest = json(blobs, index.getAsJsonArray("manifests").get(0).getAsJsonObject());
            var config = json(blobs, manifest.getAsJsonObject("config"));
            var layers = new ArrayList<byte[]>();
            for (var layer : manifest.getAsJsonArray("layers")) {
                layers.add(blob(blobs, layer.getAsJsonObject()));
            }
            return new Layout(config, layers);
        }

        List<TarArchiveEntry> entries() throws IOException {
            var entries = new ArrayList<TarArchiveEntry>();
            for (byte[] layer : layers) {
                try (var in = layer(layer)) {
                    for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
                        entries.add(entry);
                    }
                }
            }
            return entries;
        }

        /** The layers unpacked in order into a fresh directory (with their owners and modes: run as root). */
        Path extract(Path dir) throws IOException, InterruptedException {
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor();
            Files.createDirectories(dir);
            for (byte[] layer : layers) {
                var untar = new ProcessBuilder("tar", "--warning=no-unknown-keyword", "--same-owner", "-xzpf", "-",
                        "-C", dir.toString()).redirectErrorStream(true).start();
                try (var in = untar.getOutputStream()) {
                    in.write(layer);
                }
                String out = new String(untar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (untar.waitFor() != 0) {
                    throw new IOException("tar failed: " + out);
                }
            }
            return dir;
        }

        private static TarArchiveInputStream layer(byte[] layer) throws IOException {
            InputStream in = new GzipCompressorInputStream(new java.io.ByteArrayInputStream(layer));
            return new TarArchiveInputStream(in);
        }

        private static JsonObject json(Map<String, byte[]> blobs, JsonObject descriptor) {
            return JsonParser.parseString(new String(blob(blobs, descriptor), StandardCharsets.UTF_8)).getAsJsonObject();
        }

        private static byte[] blob(Map<String, byte[]> blobs, JsonObject descriptor) {
            String digest = descriptor.get("digest").getAsString();
            return blobs.get("blobs/sha256/" + digest.substring("sha256:".length()));
        }
    }
}
