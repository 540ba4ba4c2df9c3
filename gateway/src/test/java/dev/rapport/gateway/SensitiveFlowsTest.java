package dev.rapport.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.rapport.privacy.UnsubscribeTokens;
import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/**
 * The business flows an attacker would automate (OWASP API6) have budgets of their own, far below the request rate:
 * data-subject requests per caller, links that do not verify per address.
 */
@QuarkusTest
@TestProfile(SensitiveFlowsTest.Tight.class)
@WithTestResource(PostgresKafkaAndKeycloak.class)
class SensitiveFlowsTest {
    private static final UnsubscribeTokens SIGNER = new UnsubscribeTokens("local-development-unsubscribe-key");

    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rapport.limits.privacy-requests-per-hour", "2", "rapport.limits.bad-links-per-minute", "3");
        }
    }

    @Test
    void aCallerOpeningDataSubjectRequestsInBulkIsStoppedAndOthersAreNot() {
        String officer = Tokens.person("demo-privacy");
        for (int i = 0; i < 2; i++) {
            open(officer).then().statusCode(not(429));
        }
        open(officer).then().statusCode(429).contentType("application/problem+json").body("title", equalTo("Too many requests"))
                .header("Retry-After", org.hamcrest.Matchers.matchesPattern("1[0-9]{3}")); // a budget of 2 an hour: half an hour to the next
        open(Tokens.person("demo-admin")).then().statusCode(not(429));
    }

    @Test
    void anAddressGuessingLinksIsRefusedEveryLinkForAWhile() {
        String person = UUID.randomUUID().toString();
        String valid = SIGNER.token(person, "marketing.communications", "email");
        given().get("/unsubscribe?t=" + valid).then().statusCode(200); // valid links are not counted
        for (int i = 0; i < 3; i++) {
            given().get("/unsubscribe?t=guess" + i).then().statusCode(400);
        }
        given().get("/unsubscribe?t=guess").then().statusCode(429).header("Retry-After", org.hamcrest.Matchers.matchesPattern("[0-9]+"))
                .body(containsString("Too many links"));
        given().get("/unsubscribe?t=" + valid).then().statusCode(429);
        given().get("/preferences?t=" + valid).then().statusCode(429);
        given().get("/r?t=" + valid).then().statusCode(429);
        // the API is not a link page: its callers are not held back
        given().auth().oauth2(Tokens.partner()).get("/api/v1/operations").then().statusCode(200);
    }

    private static io.restassured.response.Response open(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON)
                .body(Map.of("subject", UUID.randomUUID().toString(), "kind", "ACCESS", "verification", "id card"))
                .post("/api/v1/privacy-requests");
    }
}
