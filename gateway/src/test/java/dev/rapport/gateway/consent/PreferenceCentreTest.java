package dev.rapport.gateway.consent;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
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
    void thePageShowsWhatIsAllowedNowAndSavingRecordsEachChangeAndNothingElse() {
        String person = UUID.randomUUID().toString();
        // under the GDPR, with email marketing granted
        given().auth().oauth2(Tokens.partner()).contentType("application/json").body("{\"subject\": \"" + person + "\", \"purpose\": "
                + "\"marketing.communications\", \"channel\": \"email\", \"granted\": true, \"method\": \"form\", \"noticeVersion\": \"n-1\", "
                + "\"jurisdiction\": \"ES\"}").post("/api/v1/consents").then().statusCode(201);
        String token = SIGNER.token(person, "marketing.communications", "email");
        given().get("/preferences?t=" + token).then().statusCode(200).contentType(containsString("text/html"))
                .header("Cache-Control", containsString("no-store"))
                .body(containsString("name=\"marketing.communications:email\" checked"))
                .body(containsString("name=\"marketing.communications:sms\">"))
                .body(containsString("name=\"analytics.reporting.campaign_insights\">"), containsString("Save my choices"));

        // SMS and open measuring on, email kept
        given().contentType("application/x-www-form-urlencoded").formParam("t", token).formParam("marketing.communications:email", "on")
                .formParam("marketing.communications:sms", "on").formParam("analytics.reporting.campaign_insights", "on")
                .post("/preferences").then().statusCode(200).body(containsString("Saved: 2 changes."))
                .body(containsString("name=\"marketing.communications:sms\" checked"));
        assertEquals(2L, recorded(person));
        // saving the same again records nothing
        given().contentType("application/x-www-form-urlencoded").formParam("t", token).formParam("marketing.communications:email", "on")
                .formParam("marketing.communications:sms", "on").formParam("analytics.reporting.campaign_insights", "on")
                .post("/preferences").then().statusCode(200).body(containsString("Saved: nothing changed."));
        assertEquals(2L, recorded(person));
        // a box left unticked withdraws
        given().contentType("application/x-www-form-urlencoded").formParam("t", token).formParam("marketing.communications:sms", "on")
                .formParam("analytics.reporting.campaign_insights", "on")
                .post("/preferences").then().statusCode(200).body(not(containsString("name=\"marketing.communications:email\" checked")));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200)
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'email' }.allowed", equalTo(false))
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'sms' }.allowed", equalTo(true))
                .body("decisions.find { it.channel == 'sms' }.method", equalTo("preference_centre"));
        // the unsubscribe page leads here
        given().get("/unsubscribe?t=" + token).then().statusCode(200).body(containsString("/preferences?t="));
    }

    @Test
    void aForgedLinkShowsAndChangesNothing() {
        String person = UUID.randomUUID().toString();
        String forged = new UnsubscribeTokens("not-our-key").token(person, "marketing.communications", "email");
        given().get("/preferences?t=" + forged).then().statusCode(400).body(containsString("not valid"));
        given().contentType("application/x-www-form-urlencoded").formParam("t", forged).formParam("marketing.communications:sms", "on")
                .post("/preferences").then().statusCode(400);
        given().contentType("application/x-www-form-urlencoded").post("/preferences").then().statusCode(400);
        assertEquals(0L, recorded(person));
    }

    private long recorded(String person) {
        return pool.preparedQuery("SELECT count(*) FROM consent_record WHERE subject = $1 AND method = 'preference_centre'")
                .execute(Tuple.of(person)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}
