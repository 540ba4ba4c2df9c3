package dev.rapport.gateway.privacy;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequest.Kind;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress.State;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.TestTopics;
import dev.rapport.testing.Tokens;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The gateway's side of data-subject requests, on real PostgreSQL, Kafka and Keycloak: what is refused, deadlines and
 * their extension, and how an erasure is carried out part by part — sent to the services on privacy.dsr, sent again
 * where it failed, verified, erased again where the verification found something. The services' answers are written
 * on privacy.dsr.progress by the test (the end-to-end suite has the real services answer).
 */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class PrivacyRequestsTest {
    private static final List<String> SERVICES = List.of("profile-service", "segment-service", "campaign-service", "chatbot-service");

    @Inject
    Pool pool;

    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);
    private ConsumerTask<String, String> sent;

    @BeforeEach
    void listen() {
        sent = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PRIVACY_DSR));
    }

    @AfterEach
    void close() {
        sent.close();
        kafka.close();
    }

    @Test
    void badRequestsAreRefusedNamingEachFieldAndWriteNothing() {
        long before = count("SELECT count(*) FROM privacy_request");
        officer().body(Map.of("kind", "ERASURE")).post("/api/v1/privacy-requests").then().statusCode(400)
                .contentType("application/problem+json").body("violations.field", hasItems("subject", "verification"));
        officer().body(Map.of("subject", "Bob")).post("/api/v1/privacy-requests").then().statusCode(400)
                .body("violations.field", hasItems("kind", "subject"));
        officer().body(Map.of("subject", UUID.randomUUID().toString(), "kind", "ACCESS", "verification", "id card", "jurisdiction", "Germany"))
                .post("/api/v1/privacy-requests").then().statusCode(400).body("violations.field", hasItems("jurisdiction"));
        given().auth().oauth2(Tokens.person("demo-customer")).contentType(ContentType.JSON)
                .body(Map.of("subject", UUID.randomUUID().toString(), "kind", "ACCESS")).post("/api/v1/privacy-requests").then().statusCode(400)
                .body("violations[0].description", containsString("a customer asks about themselves"));
        given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON).body(Map.of("kind", "ACCESS")).post("/api/v1/privacy-requests")
                .then().statusCode(403);
        given().contentType(ContentType.JSON).body(Map.of("kind", "ACCESS")).post("/api/v1/privacy-requests").then().statusCode(401);
        officer().get("/api/v1/privacy-requests/not-an-id").then().statusCode(400).body("violations.field", hasItems("id"));
        officer().get("/api/v1/privacy-requests/" + UUID.randomUUID()).then().statusCode(404);
        assertEquals(before, count("SELECT count(*) FROM privacy_request"), "nothing written");
    }

    @Test
    void theDeadlineFollowsTheRegimeAndIsExtendedOnceWithTheReasonThePersonIsTold() {
        Instant received = Instant.now().minus(Duration.ofDays(2)).truncatedTo(java.time.temporal.ChronoUnit.MICROS); // as PostgreSQL keeps it
        UUID gdpr = opened(Kind.ACCESS, UUID.randomUUID().toString(), "GDPR", received, "[]");
        officer().body(Map.of()).post("/api/v1/privacy-requests/" + gdpr + "/extension").then().statusCode(400)
                .body("violations.field", hasItems("reason"));
        given().auth().oauth2(Tokens.person("demo-customer")).contentType(ContentType.JSON).body(Map.of("reason", "busy"))
                .post("/api/v1/privacy-requests/" + gdpr + "/extension").then().statusCode(403);
        String deadline = officer().body(Map.of("reason", "the request covers eight years of orders"))
                .post("/api/v1/privacy-requests/" + gdpr + "/extension").then().statusCode(200)
                .body("extensionReason", equalTo("the request covers eight years of orders"))
                .extract().path("deadline");
        assertEquals(received.atZone(ZoneOffset.UTC).plusMonths(3).toInstant(), Instant.parse(deadline), "two further months, from receipt");
        officer().body(Map.of("reason", "still busy")).post("/api/v1/privacy-requests/" + gdpr + "/extension").then().statusCode(409)
                .body("detail", containsString("already extended once"));

        UUID pipa = opened(Kind.ACCESS, UUID.randomUUID().toString(), "PIPA", received, "[]");
        officer().body(Map.of("reason", "busy")).post("/api/v1/privacy-requests/" + pipa + "/extension").then().statusCode(409)
                .body("detail", containsString("PIPA allows no extension"));

        UUID late = opened(Kind.ACCESS, UUID.randomUUID().toString(), "CCPA", Instant.now().minus(Duration.ofDays(50)), "[]");
        officer().get("/api/v1/privacy-requests/" + late).then().statusCode(200).body("overdue", equalTo(true));
        officer().body(Map.of("reason", "busy")).post("/api/v1/privacy-requests/" + late + "/extension").then().statusCode(409)
                .body("detail", containsString("deadline has passed"));
    }

    @Test
    void anErasureIsSentToEveryServiceSentAgainWhereItFailedAndCompletedOnlyOnceAVerificationFindsNothingLeft() throws Exception {
        String person = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON)
                .body(Map.of("subject", person, "purpose", "marketing.communications", "granted", true, "method", "form",
                        "noticeVersion", "v1", "jurisdiction", "DE"))
                .post("/api/v1/consents").then().statusCode(201);
        // no sign-in account has this user name: the keycloak part looks (with the rapport-privacy client) and finds none
        String identifiers = new JsonArray().add(new JsonObject().put("type", "EXTERNAL_ID").put("value", "nobody-" + person))
                .add(new JsonObject().put("type", "EMAIL").put("value", person + "@example.org")).encode();
        UUID request = opened(Kind.ERASURE, person, "GDPR", Instant.now(), identifiers);

        DataSubjectRequest first = awaitSent(0, request, Kind.ERASURE, Set.copyOf(SERVICES));
        assertEquals(person, first.getSubject());
        assertEquals(Set.of("EXTERNAL_ID", "EMAIL"), Set.copyOf(first.getIdentifiersList().stream().map(i -> i.getType()).toList()));
        // the gateway's own part: consent is withdrawn everywhere by a tombstone, the ledger keeps its proof
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertEquals("COMPLETED", part(request, "gateway", "CARRY_OUT").getString("state"));
            assertEquals("COMPLETED", part(request, "keycloak", "CARRY_OUT").getString("state"));
        });
        assertEquals("no sign-in account held", part(request, "keycloak", "CARRY_OUT").getString("detail"));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(404);
        ConsumerTask<String, String> consent = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PRIVACY_CONSENT));
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> consent.getRecords().stream().anyMatch(r -> person.equals(r.key()) && r.value() == null));
        } finally {
            consent.close();
        }

        answer(request, "profile-service", Kind.ERASURE, State.COMPLETED, 12);
        answer(request, "segment-service", Kind.ERASURE, State.COMPLETED, 3);
        answer(request, "campaign-service", Kind.ERASURE, State.COMPLETED, 1);
        int failed = sent.getRecords().size();
        answer(request, "chatbot-service", Kind.ERASURE, State.FAILED, 0);
        // sent again, to chatbot-service alone, after its pause (from 1 s in tests)
        awaitSent(failed, request, Kind.ERASURE, Set.of("chatbot-service"));
        assertEquals("IN_PROGRESS", get(request).getString("status"));
        // progress: every part but chatbot-service's carried out, nothing verified yet (half of an erasure's parts)
        JsonObject progress = get(request).getJsonObject("progress");
        long parts = Long.parseLong(progress.getString("total"));
        assertEquals(parts / 2 - 1, Long.parseLong(progress.getString("done")), progress.encode());
        assertEquals((int) ((parts / 2 - 1) * 100 / parts), progress.getInteger("percent"));
        assertEquals("waiting for chatbot-service", progress.getString("stage"));
        answer(request, "chatbot-service", Kind.ERASURE, State.COMPLETED, 2);
        answer(request, "chatbot-service", Kind.ERASURE, State.COMPLETED, 2); // read twice: nothing more changes

        // every part confirmed: every store is searched again
        awaitSent(0, request, Kind.ERASURE_CHECK, Set.copyOf(SERVICES));
        assertEquals("VERIFYING", get(request).getString("status"));
        assertTrue(get(request).getJsonObject("progress").getString("stage").startsWith("verifying: waiting for "), get(request).encode());
        answer(request, "profile-service", Kind.ERASURE_CHECK, State.COMPLETED, 0);
        answer(request, "segment-service", Kind.ERASURE_CHECK, State.COMPLETED, 0);
        answer(request, "chatbot-service", Kind.ERASURE_CHECK, State.COMPLETED, 0);
        answer(request, "campaign-service", Kind.ERASURE_CHECK, State.COMPLETED, 1);
        // campaign-service still held something: erased there again, and searched there again
        awaitSent(0, request, Kind.ERASURE, Set.of("campaign-service"));
        assertEquals("IN_PROGRESS", get(request).getString("status"));
        int erasedAgain = sent.getRecords().size();
        answer(request, "campaign-service", Kind.ERASURE, State.COMPLETED, 1);
        awaitSent(erasedAgain, request, Kind.ERASURE_CHECK, Set.of("campaign-service"));
        answer(request, "campaign-service", Kind.ERASURE_CHECK, State.COMPLETED, 0);

        JsonObject done = await().atMost(Duration.ofSeconds(10)).until(() -> get(request), r -> r.getString("status").equals("COMPLETED"));
        assertTrue(done.getString("outcome").startsWith("erased; verified: nothing left."), done.getString("outcome"));
        assertEquals(100, done.getJsonObject("progress").getInteger("percent"));
        assertEquals(true, done.getJsonObject("progress").getBoolean("finished"));
        assertEquals(done.getJsonObject("progress").getString("total"), done.getJsonObject("progress").getString("done"));
        assertTrue(done.getString("outcome").contains("kept: 1 consent record(s)"), done.getString("outcome"));
        assertEquals("", done.getString("subject", ""), "a verified erasure forgets whom it was about");
        assertEquals(1L, count("SELECT count(*) FROM consent_record WHERE subject = $1", person), "the proof of consent is kept");
        assertEquals(0L, count("SELECT count(*) FROM privacy_request WHERE id = $1 AND (subject IS NOT NULL OR identifiers <> '[]')", request));
        officer().get("/api/v1/privacy-requests?status=COMPLETED&page_size=500").then().statusCode(200)
                .body("requests.id", hasItems(request.toString()));
    }

    @Test
    void anErasureThatKeepsFindingDataStopsForReviewInsteadOfErasingForever() {
        String person = UUID.randomUUID().toString();
        UUID request = opened(Kind.ERASURE, person, "GDPR", Instant.now(), "[]");
        awaitSent(0, request, Kind.ERASURE, Set.copyOf(SERVICES));
        int mark = sent.getRecords().size();
        SERVICES.forEach(service -> answer(request, service, Kind.ERASURE, State.COMPLETED, 0));
        for (int round = 1; round <= 3; round++) {
            // campaign-service keeps finding 2 records: erased there again twice, then left for a person
            awaitSent(mark, request, Kind.ERASURE_CHECK, round == 1 ? Set.copyOf(SERVICES) : Set.of("campaign-service"));
            if (round == 1) {
                SERVICES.stream().filter(s -> !s.equals("campaign-service")).forEach(s -> answer(request, s, Kind.ERASURE_CHECK, State.COMPLETED, 0));
            }
            mark = sent.getRecords().size();
            answer(request, "campaign-service", Kind.ERASURE_CHECK, State.COMPLETED, 2);
            if (round < 3) {
                awaitSent(mark, request, Kind.ERASURE, Set.of("campaign-service"));
                mark = sent.getRecords().size();
                answer(request, "campaign-service", Kind.ERASURE, State.COMPLETED, 2);
            }
        }
        JsonObject stopped = await().atMost(Duration.ofSeconds(10)).until(() -> get(request), r -> r.getString("status").equals("NEEDS_REVIEW"));
        assertTrue(stopped.getString("outcome").startsWith("erased, but after 3 verification rounds data is still found: campaign-service: 2"),
                stopped.getString("outcome"));
        int after = sent.getRecords().size();
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertEquals(0L, sent.getRecords().stream().skip(after).map(r -> parse(r.value())).filter(m -> m.getRequestId().equals(request.toString())).count(),
                "nothing more is sent once a person must look");
    }

    @Test
    void aRestrictionWithdrawsEveryOptionalPurposeEverywhere() {
        String person = UUID.randomUUID().toString();
        given().auth().oauth2(Tokens.partner()).contentType(ContentType.JSON)
                .body(Map.of("subject", person, "purpose", "personalize", "granted", true, "method", "form", "noticeVersion", "v1", "jurisdiction", "DE"))
                .post("/api/v1/consents").then().statusCode(201);
        UUID request = opened(Kind.RESTRICTION, person, "GDPR", Instant.now(), "[]");
        await().atMost(Duration.ofSeconds(10)).until(() -> part(request, "gateway", "CARRY_OUT").getString("state").equals("COMPLETED"));
        given().auth().oauth2(Tokens.partner()).get("/api/v1/profiles/" + person + "/consent").then().statusCode(200)
                .body("bases.find { it.purpose == 'personalize' }.allowed", equalTo(false))
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == '' }.allowed", equalTo(false))
                .body("bases.find { it.purpose == 'essential.service' }.allowed", equalTo(true));
        SERVICES.forEach(service -> answer(request, service, Kind.RESTRICTION, State.COMPLETED, 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> get(request).getString("status").equals("COMPLETED"));
        assertEquals(5L, count("SELECT count(*) FROM consent_record WHERE subject = $1 AND method = 'privacy_request' AND NOT granted", person));
    }

    /** A request as PrivacyRequests#open records it (opening one needs profile-service, which runs in the end-to-end suite). */
    private UUID opened(Kind kind, String subject, String regime, Instant received, String identifiers) {
        UUID id = UUID.randomUUID();
        dev.rapport.privacy.ConsentPolicy policy = dev.rapport.privacy.ConsentPolicy.standard();
        Instant deadline = policy.regimeNamed(regime).requests().deadline(received, false);
        List<String> parts = new java.util.ArrayList<>(SERVICES);
        parts.add("gateway");
        if (kind == Kind.ERASURE) {
            parts.add("keycloak");
        }
        pool.withTransaction(tx -> tx.preparedQuery("""
                INSERT INTO privacy_request (id, kind, subject, subject_hash, identifiers, status, regime, jurisdiction, opened_by, opened_by_role,
                                             verification, received_time, deadline)
                VALUES ($1, $2, $3, 'hash', $4, 'in_progress', $5, '', 'test', 'privacy-officer', 'test', $6, $7)""")
                .execute(Tuple.from(List.of(id, kind.name(), subject, new JsonArray(identifiers), regime, OffsetDateTime.ofInstant(received, ZoneOffset.UTC),
                        OffsetDateTime.ofInstant(deadline, ZoneOffset.UTC))))
                .flatMap(x -> tx.preparedQuery("INSERT INTO privacy_request_part (request_id, service, step, state) "
                        + "SELECT $1, s, 'carry_out', 'pending' FROM unnest($2::text[]) s").execute(Tuple.of(id, parts.toArray(String[]::new)))))
                .await().atMost(Duration.ofSeconds(5));
        return id;
    }

    /** A service's answer on privacy.dsr.progress, as the services write it. */
    private void answer(UUID request, String service, Kind kind, State state, long records) {
        try {
            String json = JsonFormat.printer().print(DataSubjectRequestProgress.newBuilder().setRequestId(request.toString()).setService(service)
                    .setKind(kind).setState(state).setRecordsAffected(records).setDetail(state == State.FAILED ? "database away" : "done").build());
            kafka.produceStrings().fromRecords(new ProducerRecord<>(TestTopics.of(Topics.PRIVACY_DSR_PROGRESS), "key", json))
                    .awaitCompletion(Duration.ofSeconds(10));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first message on privacy.dsr from the from-th on, for this request, kind and exactly these services. */
    private DataSubjectRequest awaitSent(int from, UUID request, Kind kind, Set<String> services) {
        return await().atMost(Duration.ofSeconds(15)).until(() -> sent.getRecords().stream().skip(from).map(r -> parse(r.value()))
                .filter(m -> m.getRequestId().equals(request.toString()) && m.getKind() == kind && Set.copyOf(m.getServicesList()).equals(services))
                .findFirst().orElse(null), java.util.Objects::nonNull);
    }

    private static DataSubjectRequest parse(String json) {
        DataSubjectRequest.Builder message = DataSubjectRequest.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(json, message);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
        return message.build();
    }

    private JsonObject get(UUID request) {
        return new JsonObject(officer().get("/api/v1/privacy-requests/" + request).then().statusCode(200).extract().asString());
    }

    private JsonObject part(UUID request, String service, String step) {
        return get(request).getJsonArray("parts").stream().map(JsonObject.class::cast)
                .filter(p -> p.getString("service").equals(service) && p.getString("step").equals(step)).findFirst().orElseThrow();
    }

    private static io.restassured.specification.RequestSpecification officer() {
        return given().auth().oauth2(Tokens.person("demo-privacy")).contentType(ContentType.JSON);
    }

    private long count(String sql, Object... args) {
        return pool.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }
}
