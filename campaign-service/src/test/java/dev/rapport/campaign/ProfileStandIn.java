package dev.rapport.campaign;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.Value;

import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileServiceGrpc;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Stands in for profile-service's GetProfile in campaign-service's own tests: everyone asked about has the email
 * address {@code <profile id>@example.com}, and no answer goes out before the test opens the gate (a
 * {@link CountDownLatch} injected into the test), so that a test can act between a delivery being claimed and sent.
 * The profile ids asked about arrive in an injected {@link BlockingQueue}.
 */
public class ProfileStandIn implements QuarkusTestResourceLifecycleManager {
    private final CountDownLatch gate = new CountDownLatch(1);
    private final BlockingQueue<String> asked = new LinkedBlockingQueue<>();
    private Server server;

    public static String emailOf(String profileId) {
        return profileId + "@example.com";
    }

    @Override
    public Map<String, String> start() {
        try {
            server = ServerBuilder.forPort(0).addService(new ProfileServiceGrpc.ProfileServiceImplBase() {
                @Override
                public void getProfile(GetProfileRequest request, StreamObserver<Profile> answer) {
                    asked.add(request.getProfileId());
                    try {
                        if (!gate.await(60, TimeUnit.SECONDS)) {
                            answer.onError(Status.UNAVAILABLE.withDescription("the test never opened the gate").asRuntimeException());
                            return;
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        answer.onError(Status.CANCELLED.asRuntimeException());
                        return;
                    }
                    answer.onNext(Profile.newBuilder().setId(request.getProfileId())
                            .putAttributes("email", Value.newBuilder().setStringValue(emailOf(request.getProfileId())).build()).build());
                    answer.onCompleted();
                }
            }).build().start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String port = String.valueOf(server.getPort());
        return Map.of("quarkus.grpc.clients.profile.port", port, "quarkus.grpc.clients.profile.test-port", port);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(gate, new TestInjector.MatchesType(CountDownLatch.class));
        injector.injectIntoFields(asked, new TestInjector.MatchesType(BlockingQueue.class));
    }

    @Override
    public void stop() {
        gate.countDown();
        if (server != null) {
            server.shutdownNow();
        }
    }
}
