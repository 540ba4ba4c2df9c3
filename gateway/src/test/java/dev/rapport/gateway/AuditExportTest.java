package dev.rapport.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.rapport.gateway.audit.AuditTrail;
import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;

/** The audit trail exported for privacy officers, and the records of processing made from it and the contracts. */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class AuditExportTest {
    @Inject
    AuditTrail trail;

    @Test
    void whoTouchedAPersonIsFoundByTheirIdWithoutTheLogNamingThem() {
        String person = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON)
                .body(Map.of("subject", person, "purpose", "analytics", "granted", false, "method", "api"))
                .post("/api/v1/consents").then().statusCode(201);
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200);

        String body = given().auth().oauth2(Tokens.person("demo-privacy")).get("/api/v1/audit/events?subject=" + person).then().statusCode(200)
                .body("events.operation", hasItems("consents.record", "consents.get"))
                .body("events.subject", everyItem(equalTo(trail.pseudonym(person))))
                .body("events.actor", hasItem("client:demo-partner"))
                .extract().asString();
        assertFalse(body.contains(person), "the log names nobody: " + body);
        given().auth().oauth2(Tokens.person("demo-privacy")).get("/api/v1/audit/events?subject=Bob&page_size=0").then().statusCode(400)
                .body("violations.field", hasItems("subject", "page_size"));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/audit/events").then().statusCode(403);
        given().auth().oauth2(Tokens.person("demo-customer")).get("/api/v1/audit/records-of-processing").then().statusCode(403);
    }

    @Test
    void theRecordsOfProcessingSayWhatWasProcessedForWhichPurposeAndWhatEachOperationCarries() {
        String person = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON)
                .body(Map.of("subject", person, "purpose", "marketing", "granted", false, "method", "api"))
                .post("/api/v1/consents").then().statusCode(201);
        given().auth().oauth2(Tokens.person("demo-admin")).get("/api/v1/audit/records-of-processing").then().statusCode(200)
                .body("controller.name", equalTo("Rapport demo brand"))
                .body("processing.find { it.purpose == 'essential.legal_obligation' }.operations.operation", hasItem("consents.record"))
                .body("processing.find { it.purpose == 'essential.legal_obligation' }.operations.find { it.operation == 'consents.record' }.people",
                        not(equalTo(0)))
                .body("operations.find { it.operation == 'rapport.api.v1.Profiles/GetProfile' }.data_categories",
                        hasItems("user.unique_id", "user.location.precise"))
                .body("topics.find { it.message == 'rapport.privacy.v1.ConsentState' }.data_categories", hasItem("user.privacy_preferences"));
        given().auth().oauth2(Tokens.person("demo-admin")).get("/api/v1/audit/records-of-processing?from=yesterday").then().statusCode(400)
                .body("violations.field", hasItems("from"));
    }
}
