package dev.rapport.gateway.consent;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.privacy.v1.ConsentState;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.TestTopics;
import dev.rapport.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The consent ledger through the public REST API with real Keycloak tokens, real PostgreSQL and the real
 * {@code privacy.consent} topic on Kafka.
 */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class ConsentLedgerTest {
    @Inject
    Pool pool;

    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);

    @AfterEach
    void close() {
        kafka.close();
    }

    @Test
    void aGrantIsRecordedPublishedOnTheCompactedTopicAndShowsInTheSummary() throws Exception {
        String person = UUID.randomUUID().toString();
        String id = record(person, Map.of("purpose", "marketing.communications", "channel", "email", "granted", true, "method", "form",
                "noticeVersion", "privacy-2026-10", "jurisdiction", "DE"))
                .statusCode(201)
                .body("subject", equalTo(person)).body("granted", equalTo(true)).body("recordedBy", equalTo("client:demo-partner"))
                .extract().path("id");

        ConsentState published = awaitState(person, 1);
        assertEquals("DE", published.getJurisdiction());
        assertEquals("marketing.communications", published.getPurposes(0).getPurpose());
        assertEquals("email", published.getPurposes(0).getChannel());
        assertEquals(person + "/consent/v1", published.getEnvelope().getId());

        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200)
                .body("regime", equalTo("GDPR"))
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'email' }.allowed", equalTo(true))
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'sms' }.allowed", equalTo(false))
                .body("bases.find { it.purpose == 'personalize' }.basis", equalTo("no consent"))
                .body("bases.find { it.purpose == 'essential.service' }.allowed", equalTo(true));
        assertTrue(Long.parseLong(id) > 0);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, LocalStack.KAFKA_BOOTSTRAP))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, TestTopics.of(Topics.PRIVACY_CONSENT));
            String policy = admin.describeConfigs(List.of(topic)).all().get(10, TimeUnit.SECONDS).get(topic).get("cleanup.policy").value();
            assertEquals("compact", policy);
        }
    }

    @Test
    void aWithdrawalIsTheSameCallAndTheNewestDecisionStands() throws Exception {
        String person = UUID.randomUUID().toString();
        record(person, Map.of("purpose", "personalize", "granted", true, "method", "form", "noticeVersion", "v1", "jurisdiction", "FR"))
                .statusCode(201);
        record(person, Map.of("purpose", "personalize", "granted", false, "method", "chat")).statusCode(201)
                .body("jurisdiction", equalTo("FR"));

        ConsentState published = awaitState(person, 2);
        assertEquals(false, published.getPurposes(0).getGranted());
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200)
                .body("bases.find { it.purpose == 'personalize' }.basis", equalTo("withdrawn"));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent/records?page_size=1").then().statusCode(200)
                .body("records.method", containsInAnyOrder("chat"))
                .body("nextPageToken", org.hamcrest.Matchers.notNullValue());
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent/records").then().statusCode(200)
                .body("records.granted", org.hamcrest.Matchers.contains(false, true));
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyAnswersTheFirstRecordAndWritesNothing() {
        String person = UUID.randomUUID().toString();
        String key = "retry-" + UUID.randomUUID();
        Map<String, Object> body = Map.of("purpose", "analytics", "granted", true, "method", "api", "noticeVersion", "v1");
        String first = given().auth().oauth2(Tokens.partner()).header("Idempotency-Key", key).contentType(ContentType.JSON).body(body)
                .post("/api/v1/consents").then().statusCode(400).extract().path("detail");
        // (the subject is part of the body: without it the request is refused before anything is written)
        assertTrue(first.contains("subject"));
        Map<String, Object> full = new java.util.HashMap<>(body);
        full.put("subject", person);
        String id = given().auth().oauth2(Tokens.partner()).header("Idempotency-Key", key).contentType(ContentType.JSON).body(full)
                .post("/api/v1/consents").then().statusCode(201).extract().path("id");
        String again = given().auth().oauth2(Tokens.partner()).header("Idempotency-Key", key).contentType(ContentType.JSON).body(full)
                .post("/api/v1/consents").then().statusCode(201).extract().path("id");
        assertEquals(id, again);
        assertEquals(1L, count("SELECT count(*) FROM consent_record WHERE subject = $1", person));
        assertEquals(1L, count("SELECT version FROM consent_subject WHERE subject = $1", person));
    }

    @Test
    void badInputIsRefusedNamingEachFieldAndNothingIsWritten() {
        String person = UUID.randomUUID().toString();
        record(person, Map.of("purpose", "marketting", "granted", true, "method", "carrier pigeon", "jurisdiction", "Germany",
                "decisionTime", "2999-01-01T00:00:00Z"))
                .statusCode(400).contentType("application/problem+json")
                .body("violations.field", hasItems("purpose", "method", "notice_version", "jurisdiction", "decision_time"));
        record(person, Map.of("purpose", "essential.service", "granted", false, "method", "api")).statusCode(400)
                .body("violations[0].description", containsString("essential uses do not rest on consent"));
        record(person, Map.of("purpose", "personalize", "dataCategory", "user.location.precise", "granted", false, "method", "api"))
                .statusCode(400).body("violations.field", hasItems("data_category"));
        record(person, Map.of("dataCategory", "user.location.precise", "channel", "sms", "granted", false, "method", "api"))
                .statusCode(400).body("violations.field", hasItems("channel"));
        record("not-a-profile", Map.of("purpose", "analytics", "granted", false, "method", "api")).statusCode(400)
                .body("violations.field", hasItems("subject"));
        given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON).body("{\"subject\": ").post("/api/v1/consents")
                .then().statusCode(400).body("violations.field", hasItems("body"));
        assertEquals(0L, count("SELECT count(*) FROM consent_record WHERE subject = $1", person));
    }

    @Test
    void rolesDecideWhoMayRecordAndReadConsent() {
        String person = UUID.randomUUID().toString();
        Map<String, Object> body = Map.of("subject", person, "purpose", "analytics", "granted", false, "method", "api");
        given().contentType(ContentType.JSON).body(body).post("/api/v1/consents").then().statusCode(401);
        given().auth().oauth2(Tokens.person("demo-marketer")).contentType(ContentType.JSON).body(body).post("/api/v1/consents")
                .then().statusCode(403);
        given().auth().oauth2(Tokens.person("demo-privacy")).contentType(ContentType.JSON).body(body).post("/api/v1/consents")
                .then().statusCode(201).body("recordedBy", equalTo("demo-privacy"));
        given().auth().oauth2(Tokens.person("demo-marketer")).get("/api/v1/profiles/" + person + "/consent").then().statusCode(403);
    }

    @Test
    void theLedgerRefusesToChangeOrForgetARecord() {
        String person = UUID.randomUUID().toString();
        record(person, Map.of("purpose", "analytics", "granted", true, "method", "form", "noticeVersion", "v1")).statusCode(201);
        for (String sql : new String[] { "UPDATE consent_record SET granted = false WHERE subject = $1", "DELETE FROM consent_record WHERE subject = $1" }) {
            Exception refused = assertThrows(Exception.class,
                    () -> pool.preparedQuery(sql).execute(Tuple.of(person)).await().atMost(Duration.ofSeconds(5)));
            assertTrue(refused.getMessage().contains("append-only"), refused.getMessage());
        }
        assertEquals(1L, count("SELECT count(*) FROM consent_record WHERE subject = $1 AND granted", person));
    }

    @Test
    void aReceiptCarriesTheKantaraFields() {
        String person = UUID.randomUUID().toString();
        String id = record(person, Map.of("dataCategory", "user.location.precise", "granted", true, "method", "form",
                "noticeVersion", "location-2026-11", "jurisdiction", "ES")).statusCode(201).extract().path("id");
        given().auth().oauth2(Tokens.partner()).get("/api/v1/consents/" + id + "/receipt").then().statusCode(200)
                .body("version", equalTo("KI-CR-v1.1.0"))
                .body("consentReceiptID", equalTo(id))
                .body("jurisdiction", equalTo("ES"))
                .body("collectionMethod", equalTo("form"))
                .body("piiPrincipalId", equalTo(person))
                .body("piiControllers[0].piiController", equalTo("Rapport demo brand"))
                .body("services[0].purposes[0].piiCategory", containsInAnyOrder("user.location.precise"))
                .body("sensitive", equalTo(true))
                .body("rapport.noticeVersion", equalTo("location-2026-11"));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/consents/999999999/receipt").then().statusCode(404);
        given().auth().oauth2(Tokens.partner()).get("/api/v1/consents/abc/receipt").then().statusCode(400);
    }

    @Test
    void aStateACrashHeldBackIsPublishedByTheSweep() throws Exception {
        String person = UUID.randomUUID().toString();
        // As if the gateway died between committing a record and publishing it.
        pool.preparedQuery("""
                WITH s AS (INSERT INTO consent_subject (subject, jurisdiction, version) VALUES ($1, 'US-CA', 1))
                INSERT INTO consent_record (subject, purpose, channel, data_category, granted, decision_time, method, notice_version,
                                            jurisdiction, recorded_by)
                VALUES ($1, 'third_party_sharing', '', '', false, now(), 'form', '', 'US-CA', 'test')""")
                .execute(Tuple.of(person)).await().atMost(Duration.ofSeconds(5));
        ConsentState published = awaitState(person, 1);
        assertEquals("third_party_sharing", published.getPurposes(0).getPurpose());
        await().atMost(Duration.ofSeconds(10)).until(() -> count("SELECT published_version FROM consent_subject WHERE subject = $1", person) == 1L);
    }

    @Test
    void concurrentDecisionsForOnePersonReachTheTopicInVersionOrder() throws Exception {
        String person = UUID.randomUUID().toString();
        int decisions = 16;
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
            for (int i = 0; i < decisions; i++) {
                boolean granted = i % 2 == 0;
                sent.add(callers.submit(() -> record(person, Map.of("purpose", "personalize", "granted", granted, "method", "api",
                        "noticeVersion", "v1", "jurisdiction", "DE")).statusCode(201)));
            }
            for (var call : sent) {
                call.get(30, TimeUnit.SECONDS);
            }
        } finally {
            callers.shutdownNow();
        }
        // Compaction keeps a key's last record: it must carry the newest state, and versions only ever grow.
        ConsumerTask<String, String> task = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PRIVACY_CONSENT));
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> task.getRecords().stream().filter(r -> person.equals(r.key()))
                    .map(ConsentLedgerTest::parse).anyMatch(state -> state.getVersion() == decisions));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
            List<Long> versions = task.getRecords().stream().filter(r -> person.equals(r.key())).map(ConsentLedgerTest::parse)
                    .map(ConsentState::getVersion).toList();
            assertEquals(decisions, versions.get(versions.size() - 1), "the last record on the topic is the newest state: " + versions);
            for (int i = 1; i < versions.size(); i++) {
                assertTrue(versions.get(i) > versions.get(i - 1), "published in version order: " + versions);
            }
        } finally {
            task.close();
        }
    }

    @Test
    void onlyAPrivacyOfficerMayMoveAPersonToAnotherJurisdiction() {
        String person = UUID.randomUUID().toString();
        record(person, Map.of("purpose", "analytics", "granted", false, "method", "api", "jurisdiction", "DE")).statusCode(201);
        record(person, Map.of("purpose", "analytics", "granted", false, "method", "api", "jurisdiction", "US")).statusCode(409)
                .body("detail", containsString("only a privacy officer or an admin may change it"));
        record(person, Map.of("purpose", "analytics", "granted", false, "method", "api", "jurisdiction", "DE")).statusCode(201);
        given().auth().oauth2(Tokens.person("demo-privacy")).contentType(ContentType.JSON)
                .body(Map.of("subject", person, "purpose", "analytics", "granted", false, "method", "form", "jurisdiction", "US-CA"))
                .post("/api/v1/consents").then().statusCode(201).body("jurisdiction", equalTo("US-CA"));
        assertEquals(3L, count("SELECT count(*) FROM consent_record WHERE subject = $1", person), "the refused one wrote nothing");
    }

    @Test
    void aRequestIdReusedForAnotherDecisionIsAConflictAndAFutureDecisionTimeIsNow() {
        String person = UUID.randomUUID().toString();
        String key = "k-" + UUID.randomUUID();
        record(person, Map.of("purpose", "analytics", "granted", true, "method", "api", "noticeVersion", "v1", "requestId", key)).statusCode(201);
        record(person, Map.of("purpose", "analytics", "granted", false, "method", "api", "requestId", key)).statusCode(409);
        record(person.toUpperCase(), Map.of("purpose", "analytics", "granted", false, "method", "api")).statusCode(400)
                .body("violations.field", hasItems("subject"));
        String inTwoMinutes = java.time.Instant.now().plusSeconds(120).toString();
        String recorded = record(person, Map.of("purpose", "analytics", "granted", false, "method", "api", "decisionTime", inTwoMinutes))
                .statusCode(201).extract().path("decisionTime");
        assertTrue(java.time.Instant.parse(recorded).isBefore(java.time.Instant.parse(inTwoMinutes)), recorded);
        record(person, Map.of("purpose", "analytics", "granted", false, "method", "api", "decisionTime", "9999-01-01T00:00:00Z"))
                .statusCode(400).body("violations.field", hasItems("decision_time"));
    }

    @Test
    void theSiteDeclaresThatItHonoursGlobalPrivacyControl() {
        given().get("/.well-known/gpc.json").then().statusCode(200).contentType(ContentType.JSON)
                .body("gpc", equalTo(true)).body("lastUpdate", equalTo("2026-11-23"));
    }

    private static ValidatableResponse record(String subject, Map<String, Object> fields) {
        Map<String, Object> body = new java.util.HashMap<>(fields);
        body.put("subject", subject);
        return given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON).body(body).post("/api/v1/consents").then();
    }

    private ConsentState awaitState(String subject, long version) throws Exception {
        ConsumerTask<String, String> task = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PRIVACY_CONSENT));
        try {
            return await().atMost(Duration.ofSeconds(20)).until(
                    () -> task.getRecords().stream().filter(r -> subject.equals(r.key()) && r.value() != null)
                            .map(ConsentLedgerTest::parse).filter(state -> state.getVersion() == version).findFirst().orElse(null),
                    java.util.Objects::nonNull);
        } finally {
            task.close();
        }
    }

    private static ConsentState parse(ConsumerRecord<String, String> record) {
        try {
            ConsentState.Builder state = ConsentState.newBuilder();
            JsonFormat.parser().merge(record.value(), state);
            return state.build();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    private long count(String sql, String subject) {
        var rows = pool.preparedQuery(sql).execute(Tuple.of(subject)).await().atMost(Duration.ofSeconds(5));
        return rows.size() == 0 ? -1 : rows.iterator().next().getLong(0);
    }
}
