package dev.rapport.testing;

import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/** A plain gRPC channel to the service under test: its gRPC server's test port, or the HTTP port where gRPC shares it. */
public final class TestChannels {
    private TestChannels() {
    }

    public static ManagedChannel toServiceUnderTest() {
        var config = ConfigProvider.getConfig();
        boolean ownServer = config.getOptionalValue("quarkus.grpc.server.use-separate-server", Boolean.class).orElse(true);
        return to(config.getValue(ownServer ? "quarkus.grpc.server.test-port" : "quarkus.http.test-port", Integer.class));
    }

    public static ManagedChannel to(int port) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    public static void close(ManagedChannel channel) throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
