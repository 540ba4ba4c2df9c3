package dev.rapport.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.rapport.testing.LocalStack;

/**
 * The whole suite as {@code make run} starts it (stack/stack.sh), on its own ports (18080…18084), consumer groups,
 * topics and the test database, so that it runs beside a suite a developer already has up. Traces go to the test's
 * collector.
 */
final class Suite {
    static final int PORT_BASE = 18080;
    static final int GATEWAY = PORT_BASE;
    static final int PROFILE = PORT_BASE + 1;
    static final int SEGMENT = PORT_BASE + 2;
    static final int CAMPAIGN = PORT_BASE + 3;
    static final int CHATBOT = PORT_BASE + 4;
    /** profile-service's gRPC API (an internal service's HTTP port + 1000, as stack/stack.sh starts it). */
    static final int PROFILE_GRPC = PROFILE + 1000;
    static final List<Integer> SERVICES = List.of(GATEWAY, PROFILE, SEGMENT, CAMPAIGN, CHATBOT);
    /** Data-subject requests one caller may open per hour in the suite (the gateway's default is 20). */
    static final int PRIVACY_REQUESTS_PER_HOUR = 5;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private Suite() {
    }

    private static Map<String, String> environment = Map.of();

    static void start(String otlpEndpoint, int smtpPort, String webhookUrl) {
        LocalStack.ensure(LocalStack.Part.POSTGRES, LocalStack.Part.KAFKA, LocalStack.Part.KEYCLOAK);
        Map<String, String> env = new java.util.HashMap<>(Map.of(
                "RAPPORT_PORT_BASE", String.valueOf(PORT_BASE),
                "RAPPORT_DB_NAME", "rapport_test",
                "RAPPORT_INSTANCE", "-e2e",
                "RAPPORT_TOPIC_PREFIX", "e2e-" + java.util.UUID.randomUUID() + ".",
                "RAPPORT_LOG_SUFFIX", "-e2e",
                "OTEL_SDK_DISABLED", "false",
                "OTEL_EXPORTER_OTLP_ENDPOINT", otlpEndpoint,
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                "RAPPORT_SMTP_PORT", String.valueOf(smtpPort),
                "RAPPORT_PUBLIC_URL", "http://127.0.0.1:" + PORT_BASE));
        // each one a real export to every service: a low budget proves the limit without loading the suite
        env.put("RAPPORT_LIMITS_PRIVACY_REQUESTS_PER_HOUR", String.valueOf(PRIVACY_REQUESTS_PER_HOUR));
        env.put("RAPPORT_WEBHOOK_URL", webhookUrl);
        environment = Map.copyOf(env);
        startServices();
    }

    /** Waits, as a scenario does between a fault and what follows it. */
    static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A JSON request to the suite's gateway with this bearer token. */
    static io.restassured.specification.RequestSpecification rest(String token) {
        return io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + GATEWAY).auth().oauth2(token).contentType("application/json");
    }

    /** A topic of this run (each run has its own prefix). */
    static String topic(String name) {
        return environment.get("RAPPORT_TOPIC_PREFIX") + name;
    }

    /** Starts whichever of the suite's services is not running (all of them at first), as before. */
    static void startServices() {
        stack(environment, "up", "--owner", "e2e", "services");
    }

    /** chatbot-service again, its environment changed by these variables (empty: as the suite starts it). */
    static void restartChatbot(Map<String, String> changed) {
        restart("chatbot-service", changed);
        // the gateway's channel to it may still be backing off from the outage: wait until chats get through again
        String token = dev.rapport.testing.Tokens.person("demo-customer");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + GATEWAY + "/api/v1/articles/search?q=hello")).header("Authorization", "Bearer " + token)
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    /** A service killed and started again, its environment changed by these variables (empty: as the suite starts it). */
    static void restart(String service, Map<String, String> changed) {
        killService(service);
        Map<String, String> env = new java.util.HashMap<>(environment);
        env.putAll(changed);
        stack(env, "up", "--owner", "e2e", "services");
    }

    /** Debian's Chromium for the browser tests, installed if missing (stack/stack.sh). */
    static java.nio.file.Path chromium() {
        stack(Map.of(), "up", "chromium");
        return java.nio.file.Path.of(System.getenv().getOrDefault("RAPPORT_CHROMIUM", "/usr/bin/chromium"));
    }

    /** kill -9, as a crash would. */
    static void killService(String name) {
        stack(environment, "kill-service", name);
    }

    static void stop() {
        stack(Map.of(), "down", "--owner", "e2e");
    }

    static void killKafka() {
        stack(Map.of(), "kill-kafka");
    }

    static void startKafka() {
        stack(Map.of(), "start-kafka");
    }

    /** kill -9 of PostgreSQL and all its backends, as a crash would. */
    static void killPostgres() {
        stack(Map.of(), "kill-postgres");
    }

    /** Started again: crash recovery, then it accepts connections. */
    static void startPostgres() {
        stack(Map.of(), "start-postgres");
    }

    static boolean postgresStartedByTheStack() {
        return LocalStack.root().resolve(".run/pids/postgres.pid").toFile().exists();
    }

    static boolean kafkaStartedByTheStack() {
        return LocalStack.root().resolve(".run/pids/kafka.pid").toFile().exists();
    }

    /** What the gateway's wellness (GET /q/health/well) says of an internal service: SERVING, or why it got no answer. */
    static String gatewaySees(String service) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + GATEWAY + "/q/health/well"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return io.restassured.path.json.JsonPath.from(response.body())
                    .getString("checks.find { it.name == 'internal services' }.data.'" + service + "'");
        } catch (IOException | RuntimeException e) {
            return "UNREACHABLE";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "UNREACHABLE";
        }
    }

    /** The readiness status ("UP"/"DOWN") a service reports, or "UNREACHABLE". */
    static String readiness(int port) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.body().contains("\"status\": \"UP\"") && response.statusCode() == 200 ? "UP" : "DOWN";
        } catch (IOException e) {
            return "UNREACHABLE";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "UNREACHABLE";
        }
    }

    static void awaitReadiness(int port, String status, Duration within) {
        await().atMost(within).pollInterval(Duration.ofMillis(500)).until(() -> readiness(port).equals(status));
    }

    private static void stack(Map<String, String> env, String... args) {
        ProcessBuilder builder = new ProcessBuilder(concat("bash", LocalStack.root().resolve("stack/stack.sh").toString(), args)).inheritIO();
        builder.environment().putAll(env);
        try {
            int exit = builder.start().waitFor();
            if (exit != 0) {
                throw new IllegalStateException("stack/stack.sh " + String.join(" ", args) + " failed (see .run/logs)");
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String[] concat(String a, String b, String[] rest) {
        String[] all = new String[rest.length + 2];
        all[0] = a;
        all[1] = b;
        System.arraycopy(rest, 0, all, 2, rest.length);
        return all;
    }
}
