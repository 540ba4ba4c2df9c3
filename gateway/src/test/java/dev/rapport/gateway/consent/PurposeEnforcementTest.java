package dev.rapport.gateway.consent;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.rapport.gateway.audit.AuditTrail;
import dev.rapport.proto.api.v1.ProfilesGrpc;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.Tokens;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The gateway refuses an operation whose purpose the person gave no basis for, before any data is read, and honours
 * Global Privacy Control. profile-service is not running beside these tests: a request that passes every check
 * meets an unavailable service (503), which is how passing is told from refusal (403).
 */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class PurposeEnforcementTest {
    @Inject
    Pool pool;

    @Inject
    AuditTrail audit;

    private ManagedChannel channel;

    @BeforeEach
    void open() {
        channel = TestChannels.toServiceUnderTest();
    }

    @AfterEach
    void close() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void aPurposeWithoutBasisIsRefusedBeforeAnythingIsReadAndTheRefusalIsAudited() {
        String person = UUID.randomUUID().toString();
        record(person, "personalize", false, "DE");

        given().auth().oauth2(Tokens.partner()).header("Rapport-Purpose", "personalize").get("/api/v1/profiles/" + person)
                .then().statusCode(403).contentType("application/problem+json")
                .body("title", equalTo("No lawful basis")).body("purpose", equalTo("personalize"))
                .body("detail", containsString("GDPR: personalize needs opt-in; withdrawn"));
        assertEquals("NO_LAWFUL_BASIS", lastOutcome(person));
        // The operation's own purpose (essential.service) needs no consent: the request goes on to profile-service.
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person).then().statusCode(503);
    }

    @Test
    void aGrantOpensThePurposeAndAWithdrawalClosesItForTheVeryNextRequest() {
        String person = UUID.randomUUID().toString();
        record(person, "personalize", true, "DE");
        given().auth().oauth2(Tokens.partner()).header("Rapport-Purpose", "personalize").get("/api/v1/profiles/" + person + "/events")
                .then().statusCode(503);
        record(person, "personalize", false, "");
        given().auth().oauth2(Tokens.partner()).header("Rapport-Purpose", "personalize").get("/api/v1/profiles/" + person + "/events")
                .then().statusCode(403);
    }

    @Test
    void aMarketerReadsOnlyForMarketingPurposesAndOnlyWithTheirBasis() {
        String person = UUID.randomUUID().toString();
        String marketer = Tokens.person("demo-marketer");
        record(person, "personalize", true, "DE");
        // A marketer's reading serves marketing: without that consent, nothing; an essential use is not theirs to claim.
        given().auth().oauth2(marketer).get("/api/v1/profiles/" + person).then().statusCode(403).body("title", equalTo("No lawful basis"));
        given().auth().oauth2(marketer).header("Rapport-Purpose", "essential.service").get("/api/v1/profiles/" + person).then().statusCode(403)
                .body("title", equalTo("Forbidden"));
        given().auth().oauth2(marketer).header("Rapport-Purpose", "personalize").get("/api/v1/profiles/" + person).then().statusCode(503);
        record(person, "marketing.communications", true, "");
        given().auth().oauth2(marketer).get("/api/v1/profiles/" + person).then().statusCode(503);
    }

    @Test
    void aGrantConfirmedAfterAGpcSignalIsNotOverturnedByTheNextSignal() {
        String person = UUID.randomUUID().toString();
        record(person, "analytics", true, "US-CA");
        given().auth().oauth2(Tokens.partner()).header("Sec-GPC", "1").get("/api/v1/profiles/" + person).then().statusCode(503);
        assertEquals(2L, gpcRecords(person));
        record(person, "third_party_sharing", true, "");
        given().auth().oauth2(Tokens.partner()).header("Sec-GPC", "1").get("/api/v1/profiles/" + person).then().statusCode(503);
        assertEquals(2L, gpcRecords(person), "the person confirmed sharing after the signal");
        given().auth().oauth2(Tokens.partner()).header("Rapport-Purpose", "third_party_sharing").get("/api/v1/profiles/" + person)
                .then().statusCode(503);
    }

    @Test
    void anUnknownDeclaredPurposeIsBadInput() {
        given().auth().oauth2(Tokens.partner()).header("Rapport-Purpose", "curiosity").get("/api/v1/profiles/" + UUID.randomUUID())
                .then().statusCode(400).body("violations.field", hasItems("Rapport-Purpose"));
    }

    @Test
    void aGpcSignalFromThePersonsAppRecordsTheOptOutOnceAndRefusesSaleAndSharing() {
        String person = UUID.randomUUID().toString();
        record(person, "analytics", true, "US-CA");
        given().auth().oauth2(Tokens.partner()).header("Sec-GPC", "1").get("/api/v1/profiles/" + person).then().statusCode(503);
        assertEquals(2L, gpcRecords(person), "sale and sharing, opted out");
        given().auth().oauth2(Tokens.partner()).header("Sec-GPC", "1").get("/api/v1/profiles/" + person).then().statusCode(503);
        assertEquals(2L, gpcRecords(person), "a standing opt-out is not recorded again");

        given().auth().oauth2(Tokens.partner()).header("Rapport-Purpose", "third_party_sharing").get("/api/v1/profiles/" + person)
                .then().statusCode(403).body("detail", containsString("CCPA: third_party_sharing is opt-out; the person opted out"));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200)
                .body("bases.find { it.purpose == 'marketing.advertising.third_party' }.allowed", equalTo(false))
                .body("bases.find { it.purpose == 'third_party_sharing' }.allowed", equalTo(false));
    }

    @Test
    void aGpcSignalThatIsNotExactlyOneOrComesFromStaffChangesNothing() {
        String person = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.partner()).header("Sec-GPC", "0").get("/api/v1/profiles/" + person).then().statusCode(503);
        given().auth().oauth2(Tokens.partner()).header("Sec-GPC", "1").header("Sec-GPC", "1").get("/api/v1/profiles/" + person)
                .then().statusCode(503);
        // A marketer's browser speaks for the marketer, not for the person on screen.
        // (Refused too: their reading serves marketing, which this person never allowed.)
        given().auth().oauth2(Tokens.person("demo-marketer")).header("Sec-GPC", "1").get("/api/v1/profiles/" + person).then().statusCode(403);
        assertEquals(0L, gpcRecords(person));
    }

    @Test
    void overGrpcTheSameSignalsAndRefusalsApply() {
        String person = UUID.randomUUID().toString();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + Tokens.partner());
        headers.put(Metadata.Key.of("sec-gpc", Metadata.ASCII_STRING_MARSHALLER), "1");
        headers.put(Metadata.Key.of("rapport-purpose", Metadata.ASCII_STRING_MARSHALLER), "marketing.advertising.third_party");
        var profiles = ProfilesGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(person).build()));
        assertEquals(Status.Code.PERMISSION_DENIED, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("marketing.advertising.third_party"), refused.getStatus().getDescription());
        assertEquals(2L, gpcRecords(person));
    }

    private static void record(String person, String purpose, boolean granted, String jurisdiction) {
        given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON)
                .body(Map.of("subject", person, "purpose", purpose, "granted", granted, "method", "form", "noticeVersion", "v1",
                        "jurisdiction", jurisdiction))
                .post("/api/v1/consents").then().statusCode(201);
    }

    private long gpcRecords(String person) {
        return pool.preparedQuery("SELECT count(*) FROM consent_record WHERE subject = $1 AND method = 'gpc' AND NOT granted")
                .execute(Tuple.of(person)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }

    private String lastOutcome(String person) {
        return await().atMost(Duration.ofSeconds(5)).until(() -> {
            var rows = pool.preparedQuery("SELECT outcome FROM audit_event WHERE subject = $1 AND operation = 'profiles.get' ORDER BY id DESC LIMIT 1")
                    .execute(Tuple.of(audit.pseudonym(person))).await().atMost(Duration.ofSeconds(5));
            return rows.size() == 0 ? null : rows.iterator().next().getString(0);
        }, java.util.Objects::nonNull);
    }
}
