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

/** One-click unsubscribe (RFC 8058) against the real ledger: GET asks, POST withdraws, a forged link does nothing. */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class UnsubscribePageTest {
    private static final UnsubscribeTokens SIGNER = new UnsubscribeTokens("local-development-unsubscribe-key");

    @Inject
    Pool pool;

    @Test
    void openingTheLinkOnlyAsksAndTheOneClickPostWithdrawsForThatChannel() {
        String person = UUID.randomUUID().toString();
        String token = SIGNER.token(person, "marketing.communications", "email");
        given().get("/unsubscribe?t=" + token).then().statusCode(200).contentType(containsString("text/html"))
                .body(containsString("Stop receiving marketing messages by email?"));
        assertEquals(0L, withdrawals(person), "a mail scanner opening the link unsubscribes no one");

        given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click").post("/unsubscribe?t=" + token)
                .then().statusCode(200).body(containsString("You will not receive marketing messages by email any more."));
        assertEquals(1L, withdrawals(person));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200)
                .body("decisions[0].method", equalTo("unsubscribe_link"))
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'email' }.allowed", equalTo(false));
    }

    @Test
    void aForgedOrBrokenLinkChangesNothing() {
        String person = UUID.randomUUID().toString();
        String forged = new UnsubscribeTokens("not-our-key").token(person, "marketing.communications", "email");
        given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click").post("/unsubscribe?t=" + forged)
                .then().statusCode(400).body(containsString("not valid"));
        given().get("/unsubscribe?t=garbage").then().statusCode(400);
        given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click").post("/unsubscribe").then().statusCode(400);
        given().contentType("application/x-www-form-urlencoded").post("/unsubscribe?t=" + SIGNER.token(person, "curiosity", "email"))
                .then().statusCode(400);
        assertEquals(0L, withdrawals(person));
    }

    private long withdrawals(String person) {
        return pool.preparedQuery("SELECT count(*) FROM consent_record WHERE subject = $1 AND method = 'unsubscribe_link' AND NOT granted")
                .execute(Tuple.of(person)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}
