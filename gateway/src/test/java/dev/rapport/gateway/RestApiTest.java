package dev.rapport.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * The gateway's REST face with real Keycloak tokens. profile-service is not running here, so a request that passes
 * every check meets an unavailable service: that is what it must say, without internals.
 */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class RestApiTest {
    private static final String EVENT = """
            {"identifier": {"type": "EXTERNAL_ID", "value": "shopper-1"}, "event": {"name": "order_placed"}}""";

    @Inject
    Pool pool;

    @Test
    void withoutATokenTheAnswerIsAProblemWithStatus401() {
        given().contentType(ContentType.JSON).body(EVENT).post("/api/v1/events")
                .then().statusCode(401).contentType("application/problem+json").body("status", equalTo(401));
    }

    @Test
    void aCustomerMayNotRecordEventsForOthers() {
        given().auth().oauth2(Tokens.person("demo-customer")).contentType(ContentType.JSON).body(EVENT).post("/api/v1/events")
                .then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    void aBodyThatIsNotTheMessageIsRefusedNamingTheBody() {
        String partner = Tokens.partner();
        given().auth().oauth2(partner).contentType(ContentType.JSON).body("{\"identifier\": ").post("/api/v1/events")
                .then().statusCode(400).contentType("application/problem+json").body("violations.field", hasItem("body"));
        given().auth().oauth2(partner).contentType(ContentType.JSON).body("{\"evnt\": {}}").post("/api/v1/events")
                .then().statusCode(400).body("violations.field", hasItem("body"));
    }

    @Test
    void anUnavailableServiceIsA503WithoutInternalsAndTheAttemptIsAudited() {
        long before = audited("events.record");
        given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON).body(EVENT).post("/api/v1/events")
                .then().statusCode(503).contentType("application/problem+json")
                .body("detail", equalTo("a service is unavailable; retry later"))
                .body(not(containsString("Exception")));
        assertEquals(before + 1, audited("events.record"));
    }

    @Test
    void theAuditTrailNamesNoSubjectInClear() {
        String profileId = "3f1c9a52-8a43-4e0a-9d55-7b0e2f4c1a11";
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + profileId).then().statusCode(503);
        var rows = pool.preparedQuery("SELECT subject FROM audit_event WHERE operation = 'profiles.get' ORDER BY id DESC LIMIT 1")
                .execute().await().atMost(Duration.ofSeconds(5));
        String subject = rows.iterator().next().getString(0);
        assertEquals(64, subject.length(), "a keyed hash, hex");
        org.junit.jupiter.api.Assertions.assertFalse(subject.contains(profileId));
    }

    private long audited(String operation) {
        return pool.preparedQuery("SELECT count(*) FROM audit_event WHERE operation = $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(operation)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}
