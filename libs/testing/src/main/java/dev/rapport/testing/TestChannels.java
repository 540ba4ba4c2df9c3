package dev.rapport.testing;

import java.util.concurrent.TimeUnit;

import org.eclipse.microprofile.config.ConfigProvider;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/** A plain gRPC channel to the service under test, on the random port it got (gRPC shares the HTTP port). */
public final class TestChannels {
    private TestChannels() {
    }

    public static ManagedChannel toServiceUnderTest() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        return to(port);
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
