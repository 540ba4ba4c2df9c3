package dev.rapport.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** Long operations a client reports on through the public API (demo-load is one), with real Keycloak tokens. */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class OperationsTest {
    private static String progress(long done, long total, String stage, boolean finished, boolean failed) {
        return """
                {"done": %d, "total": %d, "stage": "%s", "finished": %b, "failed": %b}""".formatted(done, total, stage, finished, failed);
    }

    private static String name() {
        return "import-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aReportedOperationShowsItsPercentageToStaffUntilItFinishes() {
        String name = name();
        String partner = Tokens.partner();
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(4_200, 10_000, "customers", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(200)
                .body("progress.percent", equalTo(42)).body("reportedBy", equalTo("client:demo-partner"))
                .body("startedTime", notNullValue()).body("finishedTime", nullValue());
        // the count has reached its total but the client has not said it is done: 99, not 100
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(10_000, 10_000, "segments", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(200).body("progress.percent", equalTo(99));
        given().auth().oauth2(Tokens.person("demo-marketer")).get("/api/v1/operations/" + name).then().statusCode(200)
                .body("progress.done", equalTo("10000")).body("progress.stage", equalTo("segments")).body("progress.finished", equalTo(false));
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(10_000, 10_000, "done", true, false))
                .put("/api/v1/operations/" + name).then().statusCode(200)
                .body("progress.percent", equalTo(100)).body("progress.finished", equalTo(true)).body("finishedTime", notNullValue());
        given().auth().oauth2(Tokens.person("demo-admin")).get("/api/v1/operations").then().statusCode(200)
                .body("operations.name", hasItem(name));
    }

    @Test
    void aFailedOperationKeepsItsPercentageAndSaysWhy() {
        String name = name();
        String partner = Tokens.partner();
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(300, 1_000, "customers", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(200);
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(300, 1_000, "gateway unavailable", false, true))
                .put("/api/v1/operations/" + name).then().statusCode(200)
                .body("progress.percent", equalTo(30)).body("progress.failed", equalTo(true)).body("progress.finished", equalTo(true))
                .body("progress.stage", equalTo("gateway unavailable"));
    }

    @Test
    void onlyItsReporterReportsOnARunningOperationAndAFinishedOneStartsANewRun() {
        String name = name();
        String partner = Tokens.partner();
        String admin = Tokens.person("demo-admin");
        String first = given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(1, 3, "one", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(200).extract().path("startedTime");
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(progress(2, 3, "two", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(409).contentType("application/problem+json");
        given().auth().oauth2(partner).get("/api/v1/operations/" + name).then().body("progress.done", equalTo("1"));
        String finishedTime = given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(3, 3, "done", true, false))
                .put("/api/v1/operations/" + name).then().statusCode(200).extract().path("finishedTime");
        // a retried final report keeps the first finish time; a late progress report does not reopen the run
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(3, 3, "done", true, false))
                .put("/api/v1/operations/" + name).then().statusCode(200).body("finishedTime", equalTo(finishedTime));
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(2, 3, "two", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(200)
                .body("progress.finished", equalTo(true)).body("progress.stage", equalTo("done")).body("finishedTime", equalTo(finishedTime));
        String second = given().auth().oauth2(admin).contentType(ContentType.JSON).body(progress(0, 5, "again", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(200)
                .body("progress.percent", equalTo(0)).body("finishedTime", nullValue())
                .body("reportedBy", org.hamcrest.Matchers.matchesPattern("person:[0-9a-f]{64}")).extract().path("startedTime");
        assertNotEquals(first, second, "a new run has its own start");
        // a run of the admin's own cut short (never finished) is started over by its next first report
        String third = given().auth().oauth2(admin).contentType(ContentType.JSON).body(progress(0, 5, "once more", false, false))
                .queryParam("start", true).put("/api/v1/operations/" + name).then().statusCode(200).extract().path("startedTime");
        assertNotEquals(second, third);
        // but not one of someone else's
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(0, 5, "mine", false, false))
                .queryParam("start", true).put("/api/v1/operations/" + name).then().statusCode(409);
    }

    @Test
    void badReportsAreRefusedNamingTheFieldAndWriteNothing() {
        String partner = Tokens.partner();
        String name = name();
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(11, 10, "x", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(400).contentType("application/problem+json")
                .body("violations.field", hasItem("progress.done"));
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(1, 2, "forged\\n[INFO] line", false, false))
                .put("/api/v1/operations/" + name).then().statusCode(400).body("violations.field", hasItem("progress.stage"));
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(-1, -2, "x".repeat(201), false, false))
                .put("/api/v1/operations/" + name).then().statusCode(400)
                .body("violations.field", hasItem("progress.total")).body("violations.field", hasItem("progress.stage"));
        given().auth().oauth2(partner).contentType(ContentType.JSON).body(progress(1, 2, "x", false, false))
                .put("/api/v1/operations/Not%20A%20Name").then().statusCode(400).body("violations.field", hasItem("name"));
        given().auth().oauth2(partner).contentType(ContentType.JSON).body("{\"dne\": 1}")
                .put("/api/v1/operations/" + name).then().statusCode(400).body("violations.field", hasItem("body"));
        given().auth().oauth2(partner).get("/api/v1/operations/" + name).then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(partner).get("/api/v1/operations?page_size=500").then().statusCode(400)
                .body("violations.field", hasItem("page_size"));
    }

    @Test
    void customersNeitherReportNorRead() {
        String customer = Tokens.person("demo-customer");
        given().auth().oauth2(customer).contentType(ContentType.JSON).body(progress(1, 2, "x", false, false))
                .put("/api/v1/operations/" + name()).then().statusCode(403);
        assertEquals(403, given().auth().oauth2(customer).get("/api/v1/operations").statusCode());
        given().contentType(ContentType.JSON).get("/api/v1/operations").then().statusCode(401);
    }
}
