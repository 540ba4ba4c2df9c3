package dev.rapport.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.vertx.core.json.JsonObject;

/** The chat widget's side of the gateway's WebSocket, as a test or a benchmark drives it: frames out, frames in, in order. */
public final class ChatClient implements AutoCloseable {
    private final WebSocket socket;
    private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

    private ChatClient(int port) {
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/chat/socket"), new WebSocket.Listener() {
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

    public static ChatClient connect(int port) {
        return new ChatClient(port);
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
