package dev.rapport.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

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

/**
 * The business flows an attacker would automate (OWASP API6) have budgets of their own, far below the request rate:
 * here links that do not verify, per address. Data-subject requests per caller need profile-service to be opened at
 * all: ApiSecurityTest (end-to-end) proves their budget.
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
    void anAddressGuessingLinksIsRefusedEveryLinkForAWhile() {
        String person = UUID.randomUUID().toString();
        String valid = SIGNER.token(person, "marketing.communications", "email");
        given().get("/unsubscribe?t=" + valid).then().statusCode(200); // valid links are not counted
        // a signed link whose page is out of date is not a guess
        given().contentType("application/x-www-form-urlencoded").formParam("t", valid).formParam("shown", "1").post("/preferences")
                .then().statusCode(409);
        for (int i = 0; i < 3; i++) {
            given().get((i == 0 ? "/unsubscribe/" : "/unsubscribe") + "?t=guess" + i).then().statusCode(400); // however the path is written
        }
        given().get("/unsubscribe?t=guess").then().statusCode(429).header("Retry-After", org.hamcrest.Matchers.matchesPattern("[0-9]+"))
                .body(containsString("Too many links"));
        given().get("/unsubscribe?t=" + valid).then().statusCode(429);
        given().get("/preferences?t=" + valid).then().statusCode(429);
        given().get("/r?t=" + valid).then().statusCode(429);
        // the API is not a link page: its callers are not held back
        given().auth().oauth2(Tokens.partner()).get("/api/v1/operations").then().statusCode(200);
    }
}
