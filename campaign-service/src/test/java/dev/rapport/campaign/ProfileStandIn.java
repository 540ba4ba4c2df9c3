package dev.rapport.campaign;

import java.io.IOException;
import java.util.List;
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
    private final Gate gate = new Gate();
    private final BlockingQueue<String> asked = new LinkedBlockingQueue<>();
    private Server server;

    /**
     * Whether profile-service answers yet: closed, a send waits at its profile lookup (a test acts meanwhile). Every
     * test class here shares this stand-in (one app), so a test that needs it closed closes it itself.
     */
    public static final class Gate {
        private volatile CountDownLatch latch = new CountDownLatch(1);

        public void open() {
            latch.countDown();
        }

        public synchronized void close() {
            if (latch.getCount() == 0) {
                latch = new CountDownLatch(1);
            }
        }

        boolean await(long time, TimeUnit unit) throws InterruptedException {
            return latch.await(time, unit);
        }
    }

    /** The segments segment-service's stand-in says a person is in (ListMemberships), by profile id. */
    public static final Map<String, java.util.Set<String>> SEGMENTS = new java.util.concurrent.ConcurrentHashMap<>();
    /** The members segment-service's stand-in streams (StreamMembers), by segment id; any other segment is NOT_FOUND. */
    public static final Map<String, List<String>> MEMBERS = new java.util.concurrent.ConcurrentHashMap<>();
    /** What UpdateAttributes was asked, in order; an attribute named unknown_attribute is refused as profile-service would. */
    public static final BlockingQueue<dev.rapport.proto.profile.v1.UpdateAttributesRequest> UPDATES = new LinkedBlockingQueue<>();

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
                            .putAttributes("email", Value.newBuilder().setStringValue(emailOf(request.getProfileId())).build())
                            .putAttributes("phone", Value.newBuilder().setStringValue("+447700900123").build())
                            .putAttributes("push_token", Value.newBuilder().setStringValue("push-" + request.getProfileId()).build()).build());
                    answer.onCompleted();
                }

                @Override
                public void updateAttributes(dev.rapport.proto.profile.v1.UpdateAttributesRequest request, StreamObserver<Profile> answer) {
                    if (request.containsAttributes("unknown_attribute")) {
                        answer.onError(Status.INVALID_ARGUMENT.withDescription("attributes.unknown_attribute: no such attribute in the schema")
                                .asRuntimeException());
                        return;
                    }
                    UPDATES.add(request);
                    answer.onNext(Profile.newBuilder().setId(request.getProfileId()).putAllAttributes(request.getAttributesMap()).build());
                    answer.onCompleted();
                }

                @Override
                public void listAttributeDefinitions(dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest request,
                        StreamObserver<dev.rapport.proto.profile.v1.ListAttributeDefinitionsResponse> answer) {
                    answer.onNext(dev.rapport.proto.profile.v1.ListAttributeDefinitionsResponse.newBuilder()
                            .addDefinitions(dev.rapport.proto.profile.v1.AttributeDefinition.newBuilder().setName("email")
                                    .setDataCategory("user.contact.email"))
                            .addDefinitions(dev.rapport.proto.profile.v1.AttributeDefinition.newBuilder().setName("language")
                                    .setDataCategory("user.demographic.language")).build());
                    answer.onCompleted();
                }
            }).addService(new dev.rapport.proto.segment.v1.SegmentServiceGrpc.SegmentServiceImplBase() {
                // what journeys and audiences ask; a segment not registered in MEMBERS is gone, as for a deleted one
                @Override
                public void streamMembers(dev.rapport.proto.segment.v1.StreamMembersRequest request,
                        StreamObserver<dev.rapport.proto.segment.v1.Member> answer) {
                    List<String> members = MEMBERS.get(request.getSegmentId());
                    if (members == null) {
                        answer.onError(Status.NOT_FOUND.withDescription("no such segment").asRuntimeException());
                        return;
                    }
                    members.forEach(member -> answer.onNext(dev.rapport.proto.segment.v1.Member.newBuilder().setProfileId(member).build()));
                    answer.onCompleted();
                }

                @Override
                public void listMemberships(dev.rapport.proto.segment.v1.ListMembershipsRequest request,
                        StreamObserver<dev.rapport.proto.segment.v1.ListMembershipsResponse> answer) {
                    var memberships = dev.rapport.proto.segment.v1.ListMembershipsResponse.newBuilder();
                    SEGMENTS.getOrDefault(request.getProfileId(), java.util.Set.of()).forEach(segment -> memberships.addMemberships(
                            dev.rapport.proto.segment.v1.Membership.newBuilder().setSegmentId(segment)));
                    answer.onNext(memberships.build());
                    answer.onCompleted();
                }
            }).build().start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String port = String.valueOf(server.getPort());
        return Map.of("quarkus.grpc.clients.profile.port", port, "quarkus.grpc.clients.profile.test-port", port,
                "quarkus.grpc.clients.segment.port", port, "quarkus.grpc.clients.segment.test-port", port);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(gate, new TestInjector.MatchesType(Gate.class));
        injector.injectIntoFields(asked, new TestInjector.MatchesType(BlockingQueue.class));
    }

    @Override
    public void stop() {
        gate.open();
        if (server != null) {
            server.shutdownNow();
        }
    }
}
