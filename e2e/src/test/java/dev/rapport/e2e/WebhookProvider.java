package dev.rapport.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpServer;

/**
 * The webhook channel's provider for the suite (campaign-service's RAPPORT_WEBHOOK_URL): takes every message as a
 * provider would (202) and keeps, by campaign and person, the Idempotency-Key of each copy it was handed — what a
 * test needs to tell who got a message, and who got one twice.
 */
final class WebhookProvider implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, Map<String, List<String>>> copies = new ConcurrentHashMap<>();

    WebhookProvider() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        server.createContext("/webhook", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                var message = new io.vertx.core.json.JsonObject(new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
                copies.computeIfAbsent(message.getString("campaign_id"), k -> new ConcurrentHashMap<>())
                        .computeIfAbsent(message.getString("profile_id"), k -> new CopyOnWriteArrayList<>())
                        .add(exchange.getRequestHeaders().getFirst("Idempotency-Key"));
                exchange.sendResponseHeaders(202, -1);
            } catch (RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4, Thread.ofPlatform().daemon().factory()));
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhook";
    }

    /** A campaign's copies so far: by person, the Idempotency-Key of each copy, in arrival order. */
    Map<String, List<String>> copies(String campaignId) {
        return Map.copyOf(copies.getOrDefault(campaignId, Map.of()));
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
