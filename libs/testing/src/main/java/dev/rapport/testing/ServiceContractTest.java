package dev.rapport.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;

/**
 * What every Rapport service offers the platform team, checked once per service: readiness that reflects the
 * database (and Kafka where the service uses it), Prometheus metrics, OpenAPI, the standard gRPC health service and
 * gRPC reflection, and calls that survive their neighbours being given up on. A service's test extends this with
 * {@code @QuarkusTest}.
 */
public abstract class ServiceContractTest {
    private ManagedChannel channel;

    /** The gRPC services this service must expose, besides health and reflection. */
    protected abstract List<String> grpcServices();

    /** Whether readiness must include the Kafka channels. */
    protected boolean usesKafka() {
        return true;
    }

    @BeforeEach
    void connect() {
        channel = TestChannels.toServiceUnderTest();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void readinessReflectsTheDatabaseAndKafka() {
        var ready = given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        ready.body("checks.name", hasItem("Reactive PostgreSQL connections health check"));
        if (usesKafka()) {
            ready.body("checks.name", hasItem("SmallRye Reactive Messaging - readiness check"));
        }
    }

    @Test
    void metricsArePublishedForPrometheus() {
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }

    @Test
    void theOpenApiDescriptionIsPublished() {
        given().get("/q/openapi?format=json").then().statusCode(200).body("openapi", containsString("3."));
    }

    @Test
    void theStandardGrpcHealthServiceAnswersServing() {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.newBuilder().build());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());
    }

    @Test
    void grpcReflectionListsTheServicesToCurrentAndOlderClients() throws InterruptedException {
        // grpcurl, Postman and evans ask v1 first; older tools only know v1alpha.
        List<String> current = new ArrayList<>();
        List<String> older = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(2);
        var v1 = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(collect(done,
                (ServerReflectionResponse r) -> r.getListServicesResponse().getServiceList().forEach(s -> current.add(s.getName()))));
        v1.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        v1.onCompleted();
        var v1alpha = grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(collect(done,
                (grpc.reflection.v1alpha.Reflection.ServerReflectionResponse r) -> r.getListServicesResponse().getServiceList()
                        .forEach(s -> older.add(s.getName()))));
        v1alpha.onNext(grpc.reflection.v1alpha.Reflection.ServerReflectionRequest.newBuilder().setListServices("").build());
        v1alpha.onCompleted();

        assertTrue(done.await(10, TimeUnit.SECONDS), "reflection answered");
        for (List<String> listed : List.of(current, older)) {
            assertTrue(listed.contains("grpc.health.v1.Health"), "health is listed: " + listed);
            for (String service : grpcServices()) {
                assertTrue(listed.contains(service), service + " is listed: " + listed);
            }
        }
    }

    /**
     * A caller that gives up on a call (its deadline passed) resets that one stream; every other call on the same
     * connection must go on. Vert.x's gRPC server answered reset calls anyway, and that late answer tore the whole
     * connection down (quarkus#56268): one slow call past the gateway's deadline failed every call in flight beside it.
     */
    @Test
    protected void callsGivenUpOnLeaveTheOtherCallsOnTheConnectionAlone() throws InterruptedException {
        var health = HealthGrpc.newBlockingStub(channel);
        Map<String, AtomicInteger> patient = new ConcurrentHashMap<>();
        AtomicInteger givenUp = new AtomicInteger();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try (var callers = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 12; i++) {
                boolean impatient = i % 2 == 0;
                callers.submit(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            long deadline = impatient ? ThreadLocalRandom.current().nextLong(1, 10) : 10_000;
                            health.withDeadlineAfter(deadline, TimeUnit.MILLISECONDS).check(HealthCheckRequest.getDefaultInstance());
                            if (!impatient) {
                                patient.computeIfAbsent("OK", k -> new AtomicInteger()).incrementAndGet();
                            }
                        } catch (StatusRuntimeException e) {
                            if (impatient && e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
                                givenUp.incrementAndGet();
                            } else {
                                patient.computeIfAbsent((impatient ? "given-up call: " : "") + e.getStatus().getCode() + " "
                                        + e.getStatus().getDescription(), k -> new AtomicInteger()).incrementAndGet();
                            }
                        }
                    }
                });
            }
        }
        assertTrue(givenUp.get() > 0, "some calls were given up on");
        assertEquals(List.of("OK"), List.copyOf(patient.keySet()), "every other call answered: " + patient);
    }

    private static <T> StreamObserver<T> collect(CountDownLatch done, java.util.function.Consumer<T> onResponse) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T response) {
                onResponse.accept(response);
            }

            @Override
            public void onError(Throwable t) {
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        };
    }
}
