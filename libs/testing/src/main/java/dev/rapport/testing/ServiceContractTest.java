package dev.rapport.testing;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.grpc.ManagedChannel;
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
 * gRPC reflection, all on the one HTTP port. A service's test extends this with {@code @QuarkusTest}.
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
    void grpcReflectionListsTheServices() throws InterruptedException {
        List<String> listed = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse response) {
                        response.getListServicesResponse().getServiceList().forEach(s -> listed.add(s.getName()));
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertTrue(done.await(10, TimeUnit.SECONDS), "reflection answered");
        assertTrue(listed.contains("grpc.health.v1.Health"), "health is listed: " + listed);
        for (String service : grpcServices()) {
            assertTrue(listed.contains(service), service + " is listed: " + listed);
        }
    }
}
