package dev.rapport.gateway.consent;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import dev.rapport.privacy.UnsubscribeTokens;
import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** The preference centre against the real ledger: it shows what is allowed now and records only what changed. */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class PreferenceCentreTest {
    private static final UnsubscribeTokens SIGNER = new UnsubscribeTokens("local-development-unsubscribe-key");

    @Inject
    Pool pool;

    @Test
    void thePageShowsWhatIsAllowedNowAndALinkTakesConsentAwayButGivesOnlyItsOwnBack() {
        String person = UUID.randomUUID().toString();
        // under the GDPR, with email marketing granted
        given().auth().oauth2(Tokens.partner()).contentType("application/json").body("{\"subject\": \"" + person + "\", \"purpose\": "
                + "\"marketing.communications\", \"channel\": \"email\", \"granted\": true, \"method\": \"form\", \"noticeVersion\": \"n-1\", "
                + "\"jurisdiction\": \"ES\"}").post("/api/v1/consents").then().statusCode(201);
        String token = SIGNER.token(person, "marketing.communications", "email");
        String page = given().get("/preferences?t=" + token).then().statusCode(200).contentType(containsString("text/html"))
                .header("Cache-Control", containsString("no-store"))
                .body(containsString("name=\"marketing.communications:email\" checked>"))
                // off, and not what the link came with: only where they sign in
                .body(containsString("name=\"marketing.communications:sms\" disabled>"))
                .body(containsString("name=\"third_party_sharing\" disabled>"), containsString("Save my choices"))
                .extract().asString();
        assertEquals("1000000", shown(page));

        // unticking email withdraws it; ticking sharing (the box forced on) gives nothing
        given().contentType("application/x-www-form-urlencoded").formParam("t", token).formParam("shown", "1000000")
                .formParam("third_party_sharing", "on").post("/preferences").then().statusCode(200).body(containsString("Saved: 1 change."))
                .body(containsString("name=\"marketing.communications:email\">"));
        assertEquals(1L, recorded(person));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200)
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'email' }.allowed", equalTo(false))
                .body("bases.find { it.purpose == 'third_party_sharing' && it.channel == '' }.allowed", equalTo(false));
        // the link's own use may come back
        given().contentType("application/x-www-form-urlencoded").formParam("t", token).formParam("shown", "0000000")
                .formParam("marketing.communications:email", "on").post("/preferences").then().statusCode(200)
                .body(containsString("Saved: 1 change."));
        // the same page again: nothing changed on it, nothing recorded
        given().contentType("application/x-www-form-urlencoded").formParam("t", token).formParam("shown", "1000000")
                .formParam("marketing.communications:email", "on").post("/preferences").then().statusCode(200)
                .body(containsString("Saved: nothing changed."));
        assertEquals(2L, recorded(person));

        // a one-click unsubscribe meanwhile is not undone by the page still open with email ticked
        given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click").post("/unsubscribe?t=" + token).then().statusCode(200);
        given().contentType("application/x-www-form-urlencoded").formParam("t", token).formParam("shown", "1000000")
                .formParam("marketing.communications:email", "on").post("/preferences").then().statusCode(200)
                .body(containsString("Saved: nothing changed."));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200)
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'email' }.allowed", equalTo(false))
                .body("decisions.find { it.channel == 'email' }.method", equalTo("unsubscribe_link"));
        // the unsubscribe page leads here
        given().get("/unsubscribe?t=" + token).then().statusCode(200).body(containsString("/preferences?t="));
    }

    private static String shown(String page) {
        java.util.regex.Matcher shown = java.util.regex.Pattern.compile("name=\"shown\" value=\"([01]+)\"").matcher(page);
        org.junit.jupiter.api.Assertions.assertTrue(shown.find(), page);
        return shown.group(1);
    }

    @Test
    void aForgedLinkShowsAndChangesNothing() {
        String person = UUID.randomUUID().toString();
        String forged = new UnsubscribeTokens("not-our-key").token(person, "marketing.communications", "email");
        given().get("/preferences?t=" + forged).then().statusCode(400).body(containsString("not valid"));
        given().contentType("application/x-www-form-urlencoded").formParam("t", forged).formParam("shown", "0000000")
                .formParam("marketing.communications:sms", "on").post("/preferences").then().statusCode(400);
        String token = SIGNER.token(person, "marketing.communications", "email");
        given().contentType("application/x-www-form-urlencoded").formParam("t", token).formParam("shown", "what")
                .post("/preferences").then().statusCode(409).body(containsString("Nothing was saved")); // a real link, a page not ours
        given().contentType("application/x-www-form-urlencoded").post("/preferences").then().statusCode(400);
        assertEquals(0L, recorded(person));
    }

    private long recorded(String person) {
        return pool.preparedQuery("SELECT count(*) FROM consent_record WHERE subject = $1 AND method = 'preference_centre'")
                .execute(Tuple.of(person)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}
