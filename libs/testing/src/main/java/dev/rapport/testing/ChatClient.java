package dev.rapport.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import io.vertx.core.json.JsonObject;

/** The chat widget's side of the gateway's WebSocket, as a test or a benchmark drives it: frames out, frames in, in order. */
public final class ChatClient implements AutoCloseable {
    private final WebSocket socket;
    private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

    private ChatClient(int port, String path) {
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + path), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            frames.add(new JsonObject(partial.toString()));
                            partial.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }
                }).join();
    }

    /** The customers' chat (/chat/socket). */
    public static ChatClient connect(int port) {
        return new ChatClient(port, "/chat/socket");
    }

    /** The agents' desk (/agent/socket). */
    public static ChatClient agent(int port) {
        return new ChatClient(port, "/agent/socket");
    }

    public void send(JsonObject frame) {
        socket.sendText(frame.encode(), true).join();
    }

    /** The next frame, which must be of this type (within ten seconds). */
    public JsonObject next(String type) throws InterruptedException {
        JsonObject frame = frames.poll(10, TimeUnit.SECONDS);
        if (frame == null) {
            throw new AssertionError("no " + type + " frame within 10 s");
        }
        if (!type.equals(frame.getString("type"))) {
            throw new AssertionError("expected a " + type + " frame, got " + frame.encode());
        }
        return frame;
    }

    /**
     * The first frame of this type that matches, skipping others (within ten seconds): for what arrives live, in an
     * order no one chose (an agent's message, a status change).
     */
    public JsonObject until(String type, Predicate<JsonObject> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            JsonObject frame = frames.poll(left, TimeUnit.NANOSECONDS);
            if (frame != null && type.equals(frame.getString("type")) && wanted.test(frame)) {
                return frame;
            }
        }
        throw new AssertionError("no such " + type + " frame within 10 s");
    }

    /** The next frame, whatever its type (within ten seconds). */
    public JsonObject nextAny() throws InterruptedException {
        JsonObject frame = frames.poll(10, TimeUnit.SECONDS);
        if (frame == null) {
            throw new AssertionError("no frame within 10 s");
        }
        return frame;
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").exceptionally(e -> null).join();
    }
}
