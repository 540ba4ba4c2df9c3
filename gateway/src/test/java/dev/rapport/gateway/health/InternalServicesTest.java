package dev.rapport.gateway.health;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import dev.rapport.testing.PostgresKafkaAndKeycloak;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The gateway's own tests run without the internal services (the end-to-end suite runs them, and shows a stalled one):
 * wellness names each one it cannot reach and why, while readiness stays UP, so the rest of the API stays in service.
 */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class InternalServicesTest {
    @Test
    void wellnessNamesEveryInternalServiceOutOfReachWhileTheGatewayStaysReady() {
        String check = "checks.find { it.name == 'internal services' }";
        given().get("/q/health/well").then().statusCode(503).body("status", equalTo("DOWN"))
                .body(check + ".status", equalTo("DOWN"))
                .body(check + ".data.'profile-service'", equalTo("UNAVAILABLE"))
                .body(check + ".data.'segment-service'", equalTo("UNAVAILABLE"))
                .body(check + ".data.'campaign-service'", equalTo("UNAVAILABLE"))
                .body(check + ".data.'chatbot-service'", equalTo("UNAVAILABLE"));
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
