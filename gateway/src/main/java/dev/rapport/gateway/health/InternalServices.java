package dev.rapport.gateway.health;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.health.api.Wellness;
import io.smallrye.mutiny.Uni;

/**
 * Whether each internal service answers the gateway, asked through the standard gRPC health service on the very
 * channels the API uses (so a connection that stalls shows, not only one that is refused): GET /q/health/well. It is
 * not readiness on purpose: one unreachable service must not take the gateway, and with it every other part of the
 * API, out of its load balancer. The calls to that service fail fast meanwhile (their deadline, UNAVAILABLE).
 */
@Wellness
@ApplicationScoped
public class InternalServices implements AsyncHealthCheck {
    private final Map<String, Channel> services;
    private final Duration within;

    InternalServices(@GrpcClient("profile") Channel profile, @GrpcClient("segment") Channel segment, @GrpcClient("campaign") Channel campaign,
            @GrpcClient("chat") Channel chat, @ConfigProperty(name = "rapport.health.internal-services-within", defaultValue = "2s") Duration within) {
        this.services = Map.of("profile-service", profile, "segment-service", segment, "campaign-service", campaign, "chatbot-service", chat);
        this.within = within;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        List<String> names = services.keySet().stream().sorted().toList();
        return Uni.join().all(names.stream().map(name -> serving(services.get(name))).toList()).andFailFast().map(states -> {
            HealthCheckResponseBuilder answer = HealthCheckResponse.named("internal services").up();
            for (int i = 0; i < names.size(); i++) {
                answer.withData(names.get(i), states.get(i));
                if (!"SERVING".equals(states.get(i))) {
                    answer.down();
                }
            }
            return answer.build();
        });
    }

    /** SERVING, another serving status, or why the question got no answer (the gRPC status code). */
    private Uni<String> serving(Channel channel) {
        return Uni.createFrom().emitter(emitter -> HealthGrpc.newStub(channel).withDeadlineAfter(within.toMillis(), TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
                    @Override
                    public void onNext(grpc.health.v1.HealthOuterClass.HealthCheckResponse response) {
                        emitter.complete(response.getStatus() == ServingStatus.SERVING ? "SERVING" : response.getStatus().name());
                    }

                    @Override
                    public void onError(Throwable failure) {
                        emitter.complete(Status.fromThrowable(failure).getCode().name());
                    }

                    @Override
                    public void onCompleted() {
                    }
                }));
    }
}
