package dev.rapport.e2e;

import static dev.rapport.e2e.Suite.rest;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.function.Executable;

import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.api.v1.ProfilesGrpc;
import dev.rapport.proto.api.v1.SegmentsGrpc;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListTimelineRequest;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.testing.ChatClient;
import dev.rapport.testing.ClientStreams;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.Tokens;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;

/**
 * The walking skeleton, end to end, as a partner app meets it: a Keycloak token, the gateway's public gRPC API,
 * profile-service storing in PostgreSQL and publishing to Kafka, segment-service consuming — one trace across all.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(RunningSuite.class)
class WalkingSkeletonTest {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> TRACEPARENT = Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER);

    private static final ClientInterceptor TEN_SECONDS_PER_CALL = new ClientInterceptor() {
        @Override
        public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
            return next.newCall(method, options.withDeadlineAfter(10, TimeUnit.SECONDS));
        }
    };

    private static TraceCollector traces;
    private static ManagedChannel gateway;

    @BeforeAll
    static void connect() {
        traces = RunningSuite.traces();
        gateway = TestChannels.to(Suite.GATEWAY);
    }

    @AfterAll
    static void disconnect() throws InterruptedException {
        TestChannels.close(gateway);
    }

    @Test
    @Order(1)
    void aPartnerRecordsAnEventThroughTheGatewayAndReadsItBackWithOneTraceAcrossTheServices() {
        String token = Tokens.partner();
        String traceId = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        Metadata headers = bearer(token);
        headers.put(TRACEPARENT, "00-" + traceId + "-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8)) + "-01");
        String eventId = "e2e-" + UUID.randomUUID();

        RecordEventResponse recorded = with(EventsGrpc.newBlockingStub(gateway), headers).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("shopper-" + UUID.randomUUID()))
                .setEvent(Event.newBuilder().setId(eventId).setName("order_placed"))
                .build());

        assertFalse(recorded.getDuplicate());
        var events = with(ProfilesGrpc.newBlockingStub(gateway), bearer(token)).listProfileEvents(
                ListEventsRequest.newBuilder().setProfileId(recorded.getProfileId()).build());
        assertEquals(List.of(eventId), events.getEventsList().stream().map(Event::getId).toList());
        assertEquals("client:demo-partner", events.getEvents(0).getSource(), "the source is who the token says called");

        Engagement engagement = await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(
                () -> with(SegmentsGrpc.newBlockingStub(gateway), bearer(token))
                        .getEngagement(GetEngagementRequest.newBuilder().setProfileId(recorded.getProfileId()).build()),
                e -> e.getEventCount() == 1);
        assertEquals("order_placed", engagement.getLastEventName());

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var spans = traces.trace(traceId);
            Set<String> services = spans.stream().map(TraceCollector.ReceivedSpan::service).collect(Collectors.toSet());
            assertTrue(services.containsAll(Set.of("gateway", "profile-service", "segment-service")), "services in the trace: " + spans);
            assertTrue(spans.stream().anyMatch(s -> s.service().equals("profile-service") && s.kind() == SpanKind.SPAN_KIND_PRODUCER),
                    "profile-service's Kafka send is in the trace: " + spans);
            assertTrue(spans.stream().anyMatch(s -> s.service().equals("segment-service") && s.kind() == SpanKind.SPAN_KIND_CONSUMER),
                    "segment-service's Kafka receive is in the trace: " + spans);
        });
    }

    @Test
    @Order(2)
    void aRetriedEventIsRecognisedAndCountedOnce() {
        String token = Tokens.partner();
        RecordEventRequest request = RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("retrier-" + UUID.randomUUID()))
                .setEvent(Event.newBuilder().setId("retry-" + UUID.randomUUID()).setName("payment_failed"))
                .build();
        var events = with(EventsGrpc.newBlockingStub(gateway), bearer(token));

        RecordEventResponse first = events.recordEvent(request);
        RecordEventResponse retry = events.recordEvent(request);

        assertTrue(retry.getDuplicate());
        var segments = with(SegmentsGrpc.newBlockingStub(gateway), bearer(token));
        GetEngagementRequest engagement = GetEngagementRequest.newBuilder().setProfileId(first.getProfileId()).build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> segments.getEngagement(engagement).getEventCount() == 1);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> segments.getEngagement(engagement).getEventCount() == 1);
    }

    @Test
    @Order(3)
    void requestsWithoutAValidTokenForTheGatewayAreRefused() throws Exception {
        Keycloak.ensureClient("e2e-other-app", "e2e-other-app-secret", false, 300);
        Keycloak.ensureClient("e2e-short-lived", "e2e-short-lived-secret", true, 1);
        String valid = Tokens.partner();
        String otherAudience = Tokens.client("e2e-other-app", "e2e-other-app-secret");
        String expiring = Tokens.client("e2e-short-lived", "e2e-short-lived-secret");
        String forged = Keycloak.resignedWithAnotherKey(valid);
        Thread.sleep(2500); // the short-lived token is now expired

        assertRefused(Status.Code.UNAUTHENTICATED, () -> record(null));
        assertRefused(Status.Code.UNAUTHENTICATED, () -> record("not-a-jwt"));
        assertRefused(Status.Code.UNAUTHENTICATED, () -> record(expiring));
        assertRefused(Status.Code.UNAUTHENTICATED, () -> record(otherAudience));
        assertRefused(Status.Code.UNAUTHENTICATED, () -> record(forged));
        record(valid); // and the same request with the real token goes through
    }

    @Test
    @Order(4)
    void aRoleWithoutTheOperationIsRefused() {
        String customer = Tokens.person("demo-customer");
        assertRefused(Status.Code.PERMISSION_DENIED, () -> record(customer));
    }

    @Test
    @Order(5)
    void badInputThroughTheGatewayNamesTheField() {
        String token = Tokens.partner();
        StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> with(EventsGrpc.newBlockingStub(gateway), bearer(token)).recordEvent(RecordEventRequest.newBuilder()
                        .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("x"))
                        .setEvent(Event.newBuilder().setName("")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        var details = io.grpc.protobuf.StatusProto.fromThrowable(refused);
        assertTrue(details != null && details.getDetailsCount() == 1, "field details reach the partner app: " + refused);
    }

    @Test
    @Order(6)
    void theRestTwinRecordsOnceUnderAnIdempotencyKeyAndReadsBack() {
        String token = Tokens.partner();
        String email = "rest-" + UUID.randomUUID() + "@example.com";
        String body = "{\"identifier\": {\"type\": \"EMAIL\", \"value\": \"" + email + "\"},"
                + " \"event\": {\"name\": \"newsletter_opened\", \"properties\": {\"issue\": 42}}}";
        String key = UUID.randomUUID().toString();
        var post = io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token)
                .header("Idempotency-Key", key).contentType("application/json").body(body);

        String profileId = post.post("/api/v1/events").then().statusCode(201).extract().path("profileId");
        post.post("/api/v1/events").then().statusCode(200).body("duplicate", org.hamcrest.Matchers.equalTo(true));

        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token)
                .get("/api/v1/profiles/" + profileId + "/events").then().statusCode(200)
                .body("events.id", org.hamcrest.Matchers.contains(key))
                .body("events[0].properties.issue", org.hamcrest.Matchers.equalTo(42.0f)); // Struct numbers are doubles
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token)
                .queryParam("type", "EMAIL").queryParam("value", email)
                .get("/api/v1/profiles/lookup").then().statusCode(200).body("id", org.hamcrest.Matchers.equalTo(profileId));

        String batchKey = UUID.randomUUID().toString();
        String batch = "{\"requests\": [{\"identifier\": {\"type\": \"EMAIL\", \"value\": \"" + email + "\"}, \"event\": {\"name\": \"page_viewed\"}},"
                + " {\"identifier\": {\"type\": \"EMAIL\", \"value\": \"" + email + "\"}, \"event\": {\"name\": \"cart_viewed\"}}]}";
        for (int attempt = 0; attempt < 2; attempt++) {
            io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token)
                    .header("Idempotency-Key", batchKey).contentType("application/json").body(batch)
                    .post("/api/v1/events/batch").then().statusCode(200)
                    .body("results.eventId", org.hamcrest.Matchers.contains(batchKey + ":0", batchKey + ":1"))
                    .body("results.duplicate", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.equalTo(attempt == 1)));
        }
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token).contentType("application/json")
                .body("{\"requests\": [{\"identifier\": {\"type\": \"EMAIL\", \"value\": \"x@example.com\"}, \"event\": {\"name\": \"\"}}]}")
                .post("/api/v1/events/batch").then().statusCode(400).contentType("application/problem+json")
                .body("violations.field", org.hamcrest.Matchers.contains("requests[0].event.name"));
    }

    @Test
    @Order(7)
    void aPartnerStreamsEventsThroughTheGatewayAndEachIsStoredOnce() throws Exception {
        var events = EventsGrpc.newStub(gateway).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(Tokens.partner())));
        String run = UUID.randomUUID().toString();
        List<RecordEventRequest> requests = java.util.stream.IntStream.range(0, 500).mapToObj(i -> RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.ANONYMOUS_ID).setValue(run + "-visitor-" + (i % 20)))
                .setEvent(Event.newBuilder().setId(run + "-" + i).setName("page_viewed")).build()).toList();
        java.util.function.Supplier<java.util.concurrent.CompletableFuture<RecordEventsResponse>> send =
                () -> ClientStreams.send(events::recordEvents, requests);

        assertEquals(500, send.get().get(30, TimeUnit.SECONDS).getRecorded());
        RecordEventsResponse resent = send.get().get(30, TimeUnit.SECONDS);
        assertEquals(0, resent.getRecorded());
        assertEquals(500, resent.getDuplicates());
        var acknowledged = ClientStreams.exchange(events::recordEventStream, requests).get(30, TimeUnit.SECONDS);
        assertEquals(500, acknowledged.size(), "one acknowledgement per event through the gateway");
        assertTrue(acknowledged.stream().allMatch(RecordEventResponse::getDuplicate));
    }

    @Test
    @Order(8)
    void aPartnerDeclaresAnAttributeSetsValuesOverRestAndIdentifiesAVisitorOverGrpc() {
        String token = Tokens.partner();
        var rest = io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token).contentType("application/json");
        String diet = "diet_" + UUID.randomUUID().toString().substring(0, 8);
        rest.body("{\"name\": \"" + diet + "\", \"type\": \"LIST\", \"dataCategory\": \"user.demographic.profile\", \"mergeRule\": \"UNION\"}")
                .post("/api/v1/attribute-definitions").then().statusCode(200).body("mergeRule", org.hamcrest.Matchers.equalTo("UNION"));

        Identifier visitor = Identifier.newBuilder().setType(Identifier.Type.ANONYMOUS_ID).setValue("cookie-" + UUID.randomUUID()).build();
        Identifier user = Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("shopper-" + UUID.randomUUID()).build();
        String anonymous = with(EventsGrpc.newBlockingStub(gateway), bearer(token)).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(visitor).setEvent(Event.newBuilder().setName("cart_abandoned")).build()).getProfileId();
        String known = with(EventsGrpc.newBlockingStub(gateway), bearer(token)).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(user).setEvent(Event.newBuilder().setName("app_opened")).build()).getProfileId();

        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token).contentType("application/json")
                .queryParam("source", "crm")
                .body("{\"language\": \"ko-kr\", \"time_zone\": \"Asia/Seoul\", \"" + diet + "\": [\"vegan\"]}")
                .patch("/api/v1/profiles/" + known + "/attributes").then().statusCode(200)
                .body("attributes.language", org.hamcrest.Matchers.equalTo("ko-KR"))
                .body("version", org.hamcrest.Matchers.equalTo("1"));
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token).contentType("application/json")
                .body("{\"time_zone\": \"Mars/Base\", \"birth_date\": \"2001-02-29\"}")
                .patch("/api/v1/profiles/" + known + "/attributes").then().statusCode(400)
                .contentType("application/problem+json")
                .body("violations.field", org.hamcrest.Matchers.contains("attributes.birth_date", "attributes.time_zone"));

        var identified = with(ProfilesGrpc.newBlockingStub(gateway), bearer(token)).identify(
                dev.rapport.proto.profile.v1.IdentifyRequest.newBuilder().setUser(user).addIdentifiers(visitor).build());
        assertEquals(known, identified.getProfileId());
        assertEquals(anonymous, identified.getMerges(0).getMergedProfileId());
        assertEquals("client:demo-partner", identified.getMerges(0).getSource(), "the source is who the token says called");

        var profile = with(ProfilesGrpc.newBlockingStub(gateway), bearer(token)).getProfile(
                dev.rapport.proto.profile.v1.GetProfileRequest.newBuilder().setIdentifier(visitor).build());
        assertEquals(known, profile.getId());
        assertEquals(2, profile.getTraits().getEventCount());
        var versions = with(ProfilesGrpc.newBlockingStub(gateway), bearer(token)).listProfileVersions(
                dev.rapport.proto.profile.v1.ListProfileVersionsRequest.newBuilder().setProfileId(known).build());
        assertEquals(List.of("client:demo-partner", "client:demo-partner/crm"),
                versions.getVersionsList().stream().map(v -> v.getSource()).toList());
        assertRefused(Status.Code.PERMISSION_DENIED, () -> with(ProfilesGrpc.newBlockingStub(gateway), bearer(Tokens.person("demo-customer")))
                .identify(dev.rapport.proto.profile.v1.IdentifyRequest.newBuilder().setUser(user).addIdentifiers(visitor).build()));
    }

    @Tag(Resilience.FAULT)
    @Test
    @Order(12)
    void everyAcknowledgedEventSurvivesProfileServiceKilledInTheMiddleOfItsBatches() throws Exception {
        String token = Tokens.partner();
        Ingestion seen = ingestAcross(token, 16, killedAndRestarted("profile-service"));
        System.out.printf("kill -9 of profile-service under load: %d acknowledged, %d refused while it was down, %d stored%n",
                seen.acknowledged().size(), seen.refused(), seen.stored().size());
        seen.assertEveryAcknowledgedEventStoredOnce();
        Resilience.record("event ingestion at load (16 callers)", "kill -9 profile-service after 1,000 acknowledged; restarted 1 s later",
                "every acknowledged event stored exactly once, counted once",
                String.format("%d acknowledged, %d refused while down, %d stored, 0 lost, 0 twice", seen.acknowledged().size(), seen.refused(),
                        seen.stored().size()));
    }

    @Tag(Resilience.FAULT)
    @Test
    @Order(26)
    void everyAcknowledgedEventSurvivesPostgresKilledUnderLoadAndNoConsumerSetsARecordAside() throws Exception {
        Assumptions.assumeTrue(Suite.postgresStartedByTheStack(), "PostgreSQL is not ours to kill (started outside stack/stack.sh)");
        String token = Tokens.partner();
        long[] down = new long[1];
        Ingestion seen = ingestAcross(token, 8, () -> {
            long t = System.nanoTime();
            Suite.killPostgres();
            Suite.pause(2_000);
            Suite.startPostgres();
            down[0] = (System.nanoTime() - t) / 1_000_000;
        });
        seen.assertEveryAcknowledgedEventStoredOnce();
        // segment-service read every stored event from profile.events, those that came while its database was gone
        // too: none was set aside to the dead-letter topic, none counted twice.
        assertSegmentServiceCountedEachOnceAndAllReady(seen, token);
        System.out.printf("kill -9 of PostgreSQL under load: %d acknowledged, %d refused, %d stored%n",
                seen.acknowledged().size(), seen.refused(), seen.stored().size());
        Resilience.record("event ingestion at load (8 callers)", "kill -9 PostgreSQL (server and backends) after 1,000 acknowledged; "
                        + "started again 2 s later (crash recovery)",
                "every acknowledged event stored exactly once; every consumer catches up without setting a record aside; all services ready again",
                String.format("%d acknowledged, %d refused while it was down (%.1f s until it accepted connections again), %d stored, 0 lost, "
                        + "0 twice; segment-service counted every stored event once", seen.acknowledged().size(), seen.refused(), down[0] / 1000.0,
                        seen.stored().size()));
    }

    @Tag(Resilience.FAULT)
    @Test
    @Order(27)
    void everyAcknowledgedEventIsCountedOnceAfterTheGatewayAndTheConsumingServicesAreKilledUnderLoad() throws Exception {
        String token = Tokens.partner();
        // the way in and the two services that consume profile.events, at once: callers are refused until the gateway
        // is back; the consumers go on from their committed offsets and read part of a batch again
        Ingestion seen = ingestAcross(token, 8, killedAndRestarted("gateway", "segment-service", "campaign-service"));
        seen.assertEveryAcknowledgedEventStoredOnce();
        assertSegmentServiceCountedEachOnceAndAllReady(seen, token);
        System.out.printf("kill -9 of gateway, segment- and campaign-service under load: %d acknowledged, %d refused, %d stored%n",
                seen.acknowledged().size(), seen.refused(), seen.stored().size());
        Resilience.record("event ingestion at load (8 callers)", "kill -9 of the gateway, segment-service and campaign-service together "
                        + "after 1,000 acknowledged; restarted 1 s later",
                "every acknowledged event stored exactly once; segment-service counts each once after reading part of a batch again; "
                        + "all services ready again",
                String.format("%d acknowledged, %d refused while the gateway was down, %d stored, 0 lost, 0 twice; segment-service "
                        + "counted every stored event once", seen.acknowledged().size(), seen.refused(), seen.stored().size()));
    }

    @Tag(Resilience.FAULT)
    @Test
    @Order(28)
    void aBroadcastReachesEveryoneOnceThoughTheMailServerGoesAwayAndCampaignServiceIsKilledMidSend() throws Exception {
        String partner = Tokens.partner();
        String marketer = Tokens.person("demo-marketer");
        String run = UUID.randomUUID().toString().substring(0, 8);
        String town = "Sendville-" + run;
        int people = 400;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> made = new java.util.ArrayList<>();
        for (int i = 0; i < people; i++) {
            int n = i;
            made.add(pool.submit(() -> {
                String id = record(partner).getProfileId();
                rest(partner).body("{\"city\": \"" + town + "\", \"first_name\": \"R" + n + "\", \"email\": \"r" + n + "-" + run + "@example.com\"}")
                        .patch("/api/v1/profiles/" + id + "/attributes").then().statusCode(200);
            }));
        }
        for (var f : made) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        String segmentId = rest(partner).body("{\"name\": \"people of " + town + "\", \"purpose\": \"essential.service\", "
                + "\"definition\": {\"kind\": \"attribute\", \"attribute\": \"city\", \"operator\": \"eq\", \"value\": \"" + town + "\"}}")
                .post("/api/v1/segments").then().statusCode(200).extract().path("id");
        var members = dev.rapport.proto.segment.v1.ListMembersRequest.newBuilder().setSegmentId(segmentId).setPageSize(1000).build();
        await().atMost(Duration.ofSeconds(60)).until(() -> with(SegmentsGrpc.newBlockingStub(gateway), bearer(partner)).listMembers(members)
                .getMembersCount() == people);
        // A transactional notice: consent and caps let everyone through, so every recipient must get it.
        String campaignId = rest(marketer).body("{\"name\": \"outage " + run + "\", \"purpose\": \"essential.service.notifications\", "
                + "\"channel\": \"email\", \"segmentId\": \"" + segmentId + "\", \"defaultLocale\": \"en\", \"variants\": ["
                + "{\"locale\": \"en\", \"subjectLine\": \"Your order, {{ profile.first_name }}\", \"body\": \"Hello {{ profile.first_name }}\"}]}")
                .post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
        rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + campaignId + "/status").then().statusCode(200);

        // Mid-send: the mail server hangs for 20 s (sessions cut; new ones accepted and never answered), and
        // campaign-service is killed -9 during the hang; both come back.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> sent(campaignId, marketer) >= 50);
        Thread faults = new Thread(() -> {
            Suite.pause(2_000);
            Suite.killService("campaign-service");
            Suite.startServices();
        });
        faults.start();
        jakarta.mail.internet.MimeMessage[] before = RunningSuite.mailServerHungFor(Duration.ofSeconds(20));
        faults.join();
        long reachedBefore = java.util.Arrays.stream(before).filter(m -> to(m).endsWith("-" + run + "@example.com")).count();
        assertTrue(reachedBefore >= 50 && reachedBefore < people, "the hang struck mid-send: " + reachedBefore + " reached before it");

        // (a fresh token each time: this can outlast one)
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
            var summary = rest(Tokens.person("demo-marketer")).get("/api/v1/campaigns/" + campaignId + "/deliveries").then().statusCode(200)
                    .extract().jsonPath();
            return summary.getInt("planned") == 0 && summary.getInt("sent") + summary.getInt("skipped") + summary.getInt("failed") == people;
        });
        var summary = rest(Tokens.person("demo-marketer")).get("/api/v1/campaigns/" + campaignId + "/deliveries").then().statusCode(200)
                .extract().jsonPath();
        assertEquals(people, summary.getInt("sent"), "everyone was sent the notice: " + summary.prettify());

        // What reached the mail server, before it went away and after it came back: by recipient, the copies and their
        // Message-IDs (a copy handed over again after a crash carries the same one, so a mail client shows it once).
        Map<String, List<String>> byRecipient = new java.util.TreeMap<>();
        List<jakarta.mail.internet.MimeMessage> all = new java.util.ArrayList<>(List.of(before));
        all.addAll(List.of(RunningSuite.mail().getReceivedMessages()));
        for (jakarta.mail.internet.MimeMessage m : all) {
            if (to(m).endsWith("-" + run + "@example.com")) {
                byRecipient.computeIfAbsent(to(m), k -> new java.util.ArrayList<>()).add(m.getMessageID());
            }
        }
        assertEquals(people, byRecipient.size(), "every recipient received the notice");
        byRecipient.forEach((to, ids) -> assertEquals(1, Set.copyOf(ids).size(), to + " got one message (one Message-ID): " + ids));
        long copies = byRecipient.values().stream().mapToLong(List::size).sum();
        long twice = byRecipient.values().stream().filter(ids -> ids.size() > 1).count();
        System.out.printf("mail server hung 20 s and campaign-service killed mid-broadcast: %d recipients, %d sent, %d reached before the hang,"
                + " %d copies in all, %d recipients with a second copy of the same message%n", people, summary.getInt("sent"), reachedBefore, copies, twice);
        Resilience.record("a " + people + "-recipient email broadcast", "the mail server hangs for 20 s once 50 were sent (sessions cut; "
                        + "new ones accepted, never answered); campaign-service killed -9 2 s into the hang and restarted",
                "every recipient gets the message, once: one Message-ID each; no sender stalls on a hand-off that never ends",
                String.format("%d planned, %d reached before the hang, %d recorded sent, %d recipients reached, each with one "
                        + "Message-ID; %d copies delivered (%d recipients got a second copy of the same message)", people, reachedBefore,
                        summary.getInt("sent"), byRecipient.size(), copies, twice));
    }

    @Tag(Resilience.FAULT)
    @Test
    @Order(29)
    void networkTroubleBetweenTheGatewayAndProfileServiceLosesNothingAndLeavesTheRestWorking() throws Exception {
        // make resilience only, for now: in one of two make test runs, fewer than 1,000 events were acknowledged through
        // the proxy within 30 s, before any fault was injected (cause not found yet); the other run and a run alone passed.
        Assumptions.assumeTrue(System.getProperty("rapport.resilience.report") != null, "network trouble runs in make resilience");
        String token = Tokens.partner();
        String someone = record(token).getProfileId();
        var segments = with(SegmentsGrpc.newBlockingStub(gateway), bearer(token));
        try (TcpProxy proxy = new TcpProxy(Suite.PROFILE_GRPC)) {
            // the gateway reaches profile-service through the proxy; everything else as before
            Suite.restart("gateway", Map.of("QUARKUS_GRPC_CLIENTS_PROFILE_PORT", String.valueOf(proxy.port())));
            await().atMost(Duration.ofSeconds(60)).until(() -> "SERVING".equals(Suite.gatewaySees("profile-service")));
            var engagement = GetEngagementRequest.newBuilder().setProfileId(someone).build();
            await().atMost(Duration.ofSeconds(30)).ignoreExceptions() // our own channel to the restarted gateway, connected again
                    .until(() -> segments.withDeadlineAfter(5, TimeUnit.SECONDS).getEngagement(engagement) != null);

            // Meanwhile a part of the API that needs no profile-service (segment-service's engagement): its calls go on.
            java.util.concurrent.atomic.AtomicBoolean watching = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicLong answered = new java.util.concurrent.atomic.AtomicLong();
            Map<String, Long> otherwise = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
            Thread elsewhere = Thread.ofVirtual().start(() -> {
                while (watching.get()) {
                    long t = System.nanoTime();
                    try {
                        segments.withDeadlineAfter(5, TimeUnit.SECONDS).getEngagement(engagement);
                        answered.incrementAndGet();
                        slowest.accumulateAndGet((System.nanoTime() - t) / 1_000_000, Math::max);
                    } catch (StatusRuntimeException e) {
                        otherwise.merge(e.getStatus().getCode().name(), 1L, Long::sum);
                    }
                    Suite.pause(100);
                }
            });
            String[] seenStalled = new String[1];
            long answeredBefore;
            Ingestion seen;
            try {
                // The trouble: every byte held for 8 s (a peer that stops answering), then every connection reset.
                seen = ingestAcross(token, 8, () -> {
                    proxy.stall();
                    long t = System.nanoTime();
                    await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(250))
                            .until(() -> !"SERVING".equals(seenStalled[0] = Suite.gatewaySees("profile-service")));
                    Suite.pause(Math.max(0, 8_000 - (System.nanoTime() - t) / 1_000_000));
                    proxy.cut();
                });
                answeredBefore = answered.get();
            } finally {
                watching.set(false);
                elsewhere.join();
            }
            seen.assertEveryAcknowledgedEventStoredOnce();
            assertEquals(Map.of(), otherwise, "the calls that need no profile-service were all answered");
            assertTrue(slowest.get() < 3_000, "and without waiting on the trouble: the slowest took " + slowest.get() + " ms");
            await().atMost(Duration.ofSeconds(30)).until(() -> "SERVING".equals(Suite.gatewaySees("profile-service")));
            assertEquals("UP", Suite.readiness(Suite.GATEWAY), "the gateway stayed in service");
            System.out.printf("network trouble gateway -> profile-service: %d acknowledged, %d refused, %d stored; wellness said %s; "
                    + "%d other calls answered (slowest %d ms)%n", seen.acknowledged().size(), seen.refused(), seen.stored().size(), seenStalled[0],
                    answeredBefore, slowest.get());
            Resilience.record("event ingestion at load (8 callers) through a TCP proxy between the gateway and profile-service",
                    "the proxy holds every byte both ways for 8 s (connections open, nothing answered), then resets every connection",
                    "every acknowledged event stored exactly once; calls that need no profile-service go on; the gateway's wellness names "
                            + "the service while the trouble lasts, and the gateway stays ready",
                    String.format("%d acknowledged, %d refused (deadline, then reset), %d stored, 0 lost, 0 twice; /q/health/well said "
                            + "profile-service %s; %d calls to segment-service answered meanwhile, none failed, slowest %d ms; gateway UP throughout",
                            seen.acknowledged().size(), seen.refused(), seen.stored().size(), seenStalled[0], answeredBefore, slowest.get()));
        } finally {
            Suite.restart("gateway", Map.of());
        }
    }

    private static String to(jakarta.mail.internet.MimeMessage message) {
        try {
            return message.getAllRecipients()[0].toString();
        } catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int sent(String campaignId, String marketer) {
        return rest(marketer).get("/api/v1/campaigns/" + campaignId + "/deliveries").then().statusCode(200).extract().jsonPath().getInt("sent");
    }

    /** A fault for ingestAcross: kill -9 of these services together, started again 1 s later. */
    private static Runnable killedAndRestarted(String... services) {
        return () -> {
            for (String service : services) {
                Suite.killService(service);
            }
            Suite.pause(1_000);
            Suite.startServices();
        };
    }

    /** segment-service counted every stored event once, whatever it read again; every service is ready again. */
    private void assertSegmentServiceCountedEachOnceAndAllReady(Ingestion seen, String token) {
        var segments = with(SegmentsGrpc.newBlockingStub(gateway), bearer(token));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() ->
                seen.storedByProfile().forEach((profile, stored) -> assertEquals(stored.longValue(), segments.getEngagement(
                        GetEngagementRequest.newBuilder().setProfileId(profile).build()).getEventCount(), "segment-service's count of " + profile)));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> Suite.SERVICES.forEach(port -> assertEquals("UP", Suite.readiness(port))));
    }

    /**
     * What callers recording events through the gateway saw while a fault struck (after 1,000 acknowledged; the load
     * goes on until 1,000 more were), each sending a refused event again until it is acknowledged: the ids acknowledged,
     * the calls refused, and what profile-service stored.
     */
    private record Ingestion(Set<String> acknowledged, long refused, Set<String> stored, Map<String, Long> storedByProfile, long counted) {
        void assertEveryAcknowledgedEventStoredOnce() {
            assertTrue(refused > 0, "the fault was felt: some calls failed");
            assertEquals(counted, stored.size(), "no event stored twice");
            Set<String> lost = new java.util.HashSet<>(acknowledged);
            lost.removeAll(stored);
            assertEquals(Set.of(), lost, "every acknowledged event is stored");
        }
    }

    private Ingestion ingestAcross(String token, int callers, Runnable fault) throws Exception {
        String run = UUID.randomUUID().toString();
        List<Identifier> devices = java.util.stream.IntStream.range(0, 20).mapToObj(i -> Identifier.newBuilder()
                .setType(Identifier.Type.DEVICE_ID).setValue(run + "-device-" + i).build()).toList();
        Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();
        Map<String, Long> refusals = new java.util.concurrent.ConcurrentHashMap<>(); // by status: what a failed wait reports
        java.util.concurrent.atomic.AtomicBoolean sending = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(callers);
        for (int t = 0; t < callers; t++) {
            pool.submit(() -> {
                var events = with(EventsGrpc.newBlockingStub(gateway), bearer(token));
                while (sending.get()) {
                    long i = next.getAndIncrement();
                    String id = run + "-" + i;
                    // As a partner app does (at-least-once intake): a refused event is sent again, under its id, until
                    // acknowledged. A refused call may still have been stored, or published, and the retry settles it.
                    while (!acknowledged.contains(id)) {
                        try {
                            events.withDeadlineAfter(10, TimeUnit.SECONDS).recordEvent(RecordEventRequest.newBuilder()
                                    .setIdentifier(devices.get((int) (i % devices.size())))
                                    .setEvent(Event.newBuilder().setId(id).setName("screen_viewed")).build());
                            acknowledged.add(id);
                        } catch (StatusRuntimeException e) {
                            refused.incrementAndGet();
                            refusals.merge(e.getStatus().getCode().name(), 1L, Long::sum);
                            Suite.pause(50); // the caller's back-off: a refusal comes fast while a part is down
                        }
                    }
                }
            });
        }
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 1_000);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(acknowledged.size() + " acknowledged within 30 s, before any fault (1,000 expected); "
                    + "calls refused, by status: " + refusals, e);
        }
        fault.run();
        long acknowledgedBeforeTheFault = acknowledged.size();
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> acknowledged.size() >= acknowledgedBeforeTheFault + 1_000);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError((acknowledged.size() - acknowledgedBeforeTheFault) + " acknowledged within 90 s after the fault "
                    + "(1,000 expected); calls refused, by status: " + refusals, e);
        }
        sending.set(false);
        pool.shutdown();
        assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));

        Set<String> stored = new java.util.HashSet<>();
        Map<String, Long> storedByProfile = new java.util.HashMap<>();
        long counted = 0;
        var profiles = with(ProfilesGrpc.newBlockingStub(gateway), bearer(token));
        for (Identifier device : devices) {
            var profile = profiles.getProfile(dev.rapport.proto.profile.v1.GetProfileRequest.newBuilder().setIdentifier(device).build());
            String page = "";
            long storedForDevice = 0;
            do {
                var events = profiles.listProfileEvents(ListEventsRequest.newBuilder().setProfileId(profile.getId()).setPageSize(1000)
                        .setPageToken(page).build());
                events.getEventsList().forEach(e -> stored.add(e.getId()));
                storedForDevice += events.getEventsCount();
                page = events.getNextPageToken();
            } while (!page.isEmpty());
            assertEquals(storedForDevice, profile.getTraits().getEventCount(), "each stored event counted once in the traits");
            storedByProfile.put(profile.getId(), storedForDevice);
            counted += storedForDevice;
        }
        return new Ingestion(acknowledged, refused.get(), stored, storedByProfile, counted);
    }

    @Tag(Resilience.FAULT)
    @Test
    @Order(13)
    void losingKafkaTurnsReadinessRedWhereItIsNeededAndRecoversWithoutRestart() {
        Assumptions.assumeTrue(Suite.kafkaStartedByTheStack(), "Kafka is not ours to stop (started outside stack/stack.sh)");
        Suite.SERVICES.forEach(port -> assertEquals("UP", Suite.readiness(port)));
        // A person in a segment that needs their consent for analytics, which they have not given yet.
        String token = Tokens.partner();
        String city = "Outage-" + UUID.randomUUID().toString().substring(0, 8);
        String profileId = record(token).getProfileId();
        rest(token).body("{\"city\": \"" + city + "\"}").patch("/api/v1/profiles/" + profileId + "/attributes").then().statusCode(200);
        String segmentId = rest(token).body("{\"name\": \"analytics in " + city + "\", \"purpose\": \"analytics\", "
                + "\"definition\": {\"kind\": \"attribute\", \"attribute\": \"city\", \"operator\": \"eq\", \"value\": \"" + city + "\"}}")
                .post("/api/v1/segments").then().statusCode(200).extract().path("id");
        var members = dev.rapport.proto.segment.v1.ListMembersRequest.newBuilder().setSegmentId(segmentId).build();

        Suite.killKafka();
        try {
            for (int port : List.of(Suite.PROFILE, Suite.SEGMENT, Suite.CAMPAIGN, Suite.CHATBOT)) {
                Suite.awaitReadiness(port, "DOWN", Duration.ofSeconds(60));
            }
            assertEquals("UP", Suite.readiness(Suite.GATEWAY), "the gateway serves without Kafka");
            // The grant is acknowledged while Kafka is away: it is in the ledger, and goes out once Kafka is back.
            rest(token).body("{\"subject\": \"" + profileId + "\", \"purpose\": \"analytics\", \"granted\": true, "
                    + "\"method\": \"form\", \"noticeVersion\": \"privacy-2026-11\", \"jurisdiction\": \"DE\"}")
                    .post("/api/v1/consents").then().statusCode(201);
        } finally {
            Suite.startKafka();
        }

        for (int port : Suite.SERVICES) {
            Suite.awaitReadiness(port, "UP", Duration.ofSeconds(90));
        }
        aRetriedEventIsRecognisedAndCountedOnce(); // and the path works again, end to end
        var segments = with(SegmentsGrpc.newBlockingStub(gateway), bearer(token));
        await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> segments.listMembers(members).getMembersCount() == 1);
        Resilience.record("Kafka lost", "kill -9 of the broker; restarted after the checks",
                "readiness DOWN where Kafka is needed, the gateway keeps serving; a consent acknowledged meanwhile arrives; no restart",
                "4 services DOWN then UP, gateway UP throughout; the grant reached segment-service's members after recovery");
    }

    private RecordEventResponse record(String token) {
        Metadata headers = token == null ? new Metadata() : bearer(token);
        return with(EventsGrpc.newBlockingStub(gateway), headers).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("auth-" + UUID.randomUUID()))
                .setEvent(Event.newBuilder().setName("app_opened")).build());
    }

    @Test
    @Order(9)
    void aMarketerSegmentsOnACustomAttributeAndEventsAndTheMemberArrivesInRealTime() {
        String token = Tokens.partner();
        var rest = io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token).contentType("application/json");
        String points = "points_" + UUID.randomUUID().toString().substring(0, 8);
        rest.body("{\"name\": \"" + points + "\", \"type\": \"NUMBER\", \"dataCategory\": \"user.behavior\"}")
                .post("/api/v1/attribute-definitions").then().statusCode(200);

        // A definition segment-service checks against profile-service's real schema: the custom attribute is known.
        String definition = "{\"kind\": \"and\", \"of\": [{\"kind\": \"attribute\", \"attribute\": \"" + points
                + "\", \"operator\": \"gte\", \"value\": 100}, {\"kind\": \"event\", \"event\": \"order_placed\", "
                + "\"count\": {\"at_least\": 2}, \"window\": {\"last\": \"P30D\"}}]}";
        String segmentId = io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token)
                .contentType("application/json")
                .body("{\"name\": \"loyal " + points + "\", \"purpose\": \"essential.service\", \"definition\": " + definition + "}")
                .post("/api/v1/segments").then().statusCode(200).body("version", org.hamcrest.Matchers.equalTo("1"))
                .extract().path("id");

        Identifier user = Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("eater-" + UUID.randomUUID()).build();
        var events = with(EventsGrpc.newBlockingStub(gateway), bearer(token));
        String profileId = events.recordEvent(RecordEventRequest.newBuilder().setIdentifier(user)
                .setEvent(Event.newBuilder().setName("order_placed")).build()).getProfileId();
        events.recordEvent(RecordEventRequest.newBuilder().setIdentifier(user).setEvent(Event.newBuilder().setName("order_placed")).build());
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token).contentType("application/json")
                .body("{\"" + points + "\": 150}").patch("/api/v1/profiles/" + profileId + "/attributes").then().statusCode(200);

        var segments = with(SegmentsGrpc.newBlockingStub(gateway), bearer(token));
        await().atMost(Duration.ofSeconds(30)).until(() -> segments.listMembers(dev.rapport.proto.segment.v1.ListMembersRequest.newBuilder()
                .setSegmentId(segmentId).build()).getMembersList().stream().anyMatch(m -> m.getProfileId().equals(profileId)));
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token)
                .get("/api/v1/segments/" + segmentId + "/members/" + profileId + "/explanation").then().statusCode(200)
                .body("member", org.hamcrest.Matchers.equalTo(true))
                .body("root.children[1].eventIds.size()", org.hamcrest.Matchers.equalTo(2));
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token)
                .get("/api/v1/profiles/" + profileId + "/segments").then().statusCode(200)
                .body("memberships.segmentId", org.hamcrest.Matchers.hasItem(segmentId));

        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token).contentType("application/json")
                .body("{\"name\": \"bad\", \"purpose\": \"essential.service\", \"definition\": {\"kind\": \"attribute\", "
                        + "\"attribute\": \"shoe_size\", \"operator\": \"eq\", \"value\": 42}}")
                .post("/api/v1/segments").then().statusCode(400).contentType("application/problem+json")
                .body("violations.field", org.hamcrest.Matchers.contains("definition.attribute"));
        assertRefused(Status.Code.PERMISSION_DENIED, () -> with(SegmentsGrpc.newBlockingStub(gateway), bearer(Tokens.person("demo-customer")))
                .listMembers(dev.rapport.proto.segment.v1.ListMembersRequest.newBuilder().setSegmentId(segmentId).build()));
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).auth().oauth2(token)
                .delete("/api/v1/segments/" + segmentId).then().statusCode(200).body("membersRemoved", org.hamcrest.Matchers.equalTo("1"));
    }

    @Test
    @Order(10)
    void consentWithdrawnAtTheGatewayTakesThePersonOutOfMarketingWithinFiveSecondsAndGpcIsHonoured() {
        String token = Tokens.partner();
        String city = "Consentville-" + UUID.randomUUID().toString().substring(0, 8);
        String profileId = with(EventsGrpc.newBlockingStub(gateway), bearer(token)).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("reader-" + UUID.randomUUID()))
                .setEvent(Event.newBuilder().setName("app_opened")).build()).getProfileId();
        rest(token).body("{\"city\": \"" + city + "\"}").patch("/api/v1/profiles/" + profileId + "/attributes").then().statusCode(200);
        rest(token).body("{\"subject\": \"" + profileId + "\", \"purpose\": \"marketing.communications\", \"granted\": true, "
                + "\"method\": \"form\", \"noticeVersion\": \"privacy-2026-11\", \"jurisdiction\": \"DE\"}")
                .post("/api/v1/consents").then().statusCode(201);
        String segmentId = rest(token).body("{\"name\": \"readers in " + city + "\", \"purpose\": \"marketing.communications\", "
                + "\"definition\": {\"kind\": \"attribute\", \"attribute\": \"city\", \"operator\": \"eq\", \"value\": \"" + city + "\"}}")
                .post("/api/v1/segments").then().statusCode(200).extract().path("id");
        var segments = with(SegmentsGrpc.newBlockingStub(gateway), bearer(token));
        var members = dev.rapport.proto.segment.v1.ListMembersRequest.newBuilder().setSegmentId(segmentId).build();
        await().atMost(Duration.ofSeconds(30)).until(() -> segments.listMembers(members).getMembersCount() == 1);

        rest(token).body("{\"subject\": \"" + profileId + "\", \"purpose\": \"marketing.communications\", \"granted\": false, "
                + "\"method\": \"unsubscribe_link\"}").post("/api/v1/consents").then().statusCode(201);
        // The gateway's own next request for that purpose is refused at once; segment-service lets the person go
        // within five seconds (the issue's figure), through the privacy.consent topic.
        rest(token).header("Rapport-Purpose", "marketing.communications").get("/api/v1/profiles/" + profileId).then().statusCode(403);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> segments.listMembers(members).getMembersCount() == 0);

        // Global Privacy Control from the person's app: the opt-out of sale and sharing is recorded and enforced.
        rest(token).header("Sec-GPC", "1").get("/api/v1/profiles/" + profileId).then().statusCode(200);
        rest(token).header("Rapport-Purpose", "third_party_sharing").get("/api/v1/profiles/" + profileId).then().statusCode(403);
        rest(token).get("/api/v1/profiles/" + profileId + "/consent/records").then().statusCode(200)
                .body("records.method", org.hamcrest.Matchers.hasItems("gpc", "unsubscribe_link", "form"));
    }

    @Test
    @Order(11)
    void preciseLocationReachesAPurposeOnlyWithItsOwnConsent() {
        String token = Tokens.partner();
        String profileId = with(EventsGrpc.newBlockingStub(gateway), bearer(token)).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("walker-" + UUID.randomUUID()))
                .setEvent(Event.newBuilder().setName("app_opened")).build()).getProfileId();
        rest(token).body("{\"location\": {\"latitude\": 41.38879, \"longitude\": 2.15899, \"accuracy_m\": 10}}")
                .patch("/api/v1/profiles/" + profileId + "/attributes").then().statusCode(200);
        rest(token).body("{\"subject\": \"" + profileId + "\", \"purpose\": \"personalize\", \"granted\": true, "
                + "\"method\": \"form\", \"noticeVersion\": \"privacy-2026-11\", \"jurisdiction\": \"ES\"}")
                .post("/api/v1/consents").then().statusCode(201);

        rest(token).header("Rapport-Purpose", "personalize").get("/api/v1/profiles/" + profileId).then().statusCode(200)
                .body("attributes.location.latitude", org.hamcrest.Matchers.equalTo(41.4f))
                .body("attributes.location.accuracy_m", org.hamcrest.Matchers.equalTo(11000f));
        rest(token).get("/api/v1/profiles/" + profileId).then().statusCode(200)
                .body("attributes.location.latitude", org.hamcrest.Matchers.equalTo(41.38879f));

        rest(token).body("{\"subject\": \"" + profileId + "\", \"dataCategory\": \"user.location.precise\", \"granted\": true, "
                + "\"method\": \"form\", \"noticeVersion\": \"location-2026-11\"}")
                .post("/api/v1/consents").then().statusCode(201);
        rest(token).header("Rapport-Purpose", "personalize").get("/api/v1/profiles/" + profileId).then().statusCode(200)
                .body("attributes.location.latitude", org.hamcrest.Matchers.equalTo(41.38879f));
    }

    @Test
    @Order(14)
    void aMarketerDraftsALocalisedCampaignThroughTheGatewayPreviewsItAndActivatesIt() {
        String marketer = Tokens.person("demo-marketer");
        String broken = "{\"name\": \"winter\", \"purpose\": \"marketing.communications\", \"channel\": \"email\", "
                + "\"variants\": [{\"locale\": \"en\", \"subjectLine\": \"Hi\", \"body\": \"Hi {{ profile.first_name \"}]}";
        rest(marketer).body(broken).post("/api/v1/campaigns").then().statusCode(400).contentType("application/problem+json")
                .body("violations.field", org.hamcrest.Matchers.hasItem("campaign.variants[0].body"))
                .body("violations.description", org.hamcrest.Matchers.hasItem(org.hamcrest.Matchers.startsWith("line 1, column")));

        String campaign = "{\"name\": \"winter " + UUID.randomUUID() + "\", \"purpose\": \"marketing.communications\", \"channel\": \"email\", "
                + "\"segmentId\": \"" + UUID.randomUUID() + "\", \"defaultLocale\": \"en\", \"languageFallbacks\": {\"ca\": \"es\"}, \"variants\": ["
                + "{\"locale\": \"en\", \"subjectLine\": \"Winter deals\", \"body\": \"Hello {{ profile.first_name | default: 'there' }}\"},"
                + "{\"locale\": \"es\", \"subjectLine\": \"Ofertas\", \"body\": \"Hola {{ profile.first_name }}\"},"
                + "{\"locale\": \"ko\", \"subjectLine\": \"겨울 할인\", \"body\": \"{{ profile.first_name }}님, 안녕하세요\"}]}";
        String id = rest(marketer).header("Idempotency-Key", "winter-" + UUID.randomUUID()).body(campaign).post("/api/v1/campaigns")
                .then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("DRAFT")).extract().path("id");
        rest(marketer).body("{\"profile\": {\"language\": \"ca-ES\", \"first_name\": \"Núria\"}}").post("/api/v1/campaigns/" + id + "/preview")
                .then().statusCode(200).body("body", org.hamcrest.Matchers.equalTo("Hola Núria"));
        rest(marketer).body("{\"profile\": {\"language\": \"ko-KR\", \"first_name\": \"지민\"}}").post("/api/v1/campaigns/" + id + "/preview")
                .then().statusCode(200).body("body", org.hamcrest.Matchers.equalTo("지민님, 안녕하세요"));
        rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + id + "/status").then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("ACTIVE"));
        rest(Tokens.partner()).body(campaign).post("/api/v1/campaigns").then().statusCode(403);
        rest(Tokens.partner()).get("/api/v1/campaigns/" + id).then().statusCode(200).body("variants.size()", org.hamcrest.Matchers.equalTo(3));
    }

    @Test
    @Order(15)
    void anActiveBroadcastEmailsOnlyThoseWithConsentInTheirLanguageWithOneClickUnsubscribe() throws Exception {
        String partner = Tokens.partner();
        String city = "Mailtown-" + UUID.randomUUID().toString().substring(0, 8);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String[] people = new String[3];
        String[][] attributes = { { "Ana", "es-ES" }, { "Ben", "en-GB" }, { "Chloé", "fr-FR" } };
        for (int i = 0; i < 3; i++) {
            people[i] = record(partner).getProfileId();
            rest(partner).body("{\"city\": \"" + city + "\", \"first_name\": \"" + attributes[i][0] + "\", \"language\": \"" + attributes[i][1]
                    + "\", \"email\": \"" + attributes[i][0].toLowerCase(java.util.Locale.ROOT).replace("é", "e") + "-" + run + "@example.com\"}")
                    .patch("/api/v1/profiles/" + people[i] + "/attributes").then().statusCode(200);
        }
        // Ana agreed to marketing emails; Ben never did; Chloé did, then withdrew.
        consent(partner, people[0], true, "ES");
        consent(partner, people[2], true, "FR");
        consent(partner, people[2], false, "");
        // The audience is everyone in the city (an essential-purpose segment): the send-time check must do the filtering.
        String segmentId = rest(partner).body("{\"name\": \"people of " + city + "\", \"purpose\": \"essential.service\", "
                + "\"definition\": {\"kind\": \"attribute\", \"attribute\": \"city\", \"operator\": \"eq\", \"value\": \"" + city + "\"}}")
                .post("/api/v1/segments").then().statusCode(200).extract().path("id");
        var members = dev.rapport.proto.segment.v1.ListMembersRequest.newBuilder().setSegmentId(segmentId).build();
        await().atMost(Duration.ofSeconds(30)).until(() -> with(SegmentsGrpc.newBlockingStub(gateway), bearer(partner)).listMembers(members).getMembersCount() == 3);

        String marketer = Tokens.person("demo-marketer");
        String campaignId = rest(marketer).body("{\"name\": \"spring " + run + "\", \"purpose\": \"marketing.communications\", \"channel\": \"email\", "
                + "\"segmentId\": \"" + segmentId + "\", \"defaultLocale\": \"en\", \"variants\": ["
                + "{\"locale\": \"en\", \"subjectLine\": \"Spring is here, {{ profile.first_name }}\", \"body\": \"Hello {{ profile.first_name }}\"},"
                + "{\"locale\": \"es\", \"subjectLine\": \"Llega la primavera, {{ profile.first_name }}\", \"body\": \"Hola {{ profile.first_name }}\"}]}")
                .post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
        rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + campaignId + "/status").then().statusCode(200);

        // Done when nobody is left planned: three outcomes recorded.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            var summary = rest(marketer).get("/api/v1/campaigns/" + campaignId + "/deliveries").then().statusCode(200).extract().jsonPath();
            return summary.getBoolean("audienceDrawn") && summary.getInt("planned") == 0
                    && summary.getInt("sent") + summary.getInt("skipped") + summary.getInt("failed") == 3;
        });
        rest(marketer).get("/api/v1/campaigns/" + campaignId + "/deliveries").then().statusCode(200)
                .body("audienceDrawn", org.hamcrest.Matchers.equalTo(true))
                .body("progress.percent", org.hamcrest.Matchers.equalTo(100))
                .body("progress.done", org.hamcrest.Matchers.equalTo("3"))
                .body("progress.total", org.hamcrest.Matchers.equalTo("3"))
                .body("progress.finished", org.hamcrest.Matchers.equalTo(true))
                .body("sent", org.hamcrest.Matchers.equalTo("1"))
                .body("reasons.'no basis for marketing.communications by email (no consent)'", org.hamcrest.Matchers.equalTo("1"))
                .body("reasons.'no basis for marketing.communications by email (withdrawn)'", org.hamcrest.Matchers.equalTo("1"));

        jakarta.mail.internet.MimeMessage[] received = java.util.Arrays.stream(RunningSuite.mail().getReceivedMessages())
                .filter(m -> { try { return m.getAllRecipients()[0].toString().endsWith(run + "@example.com"); } catch (Exception e) { return false; } })
                .toArray(jakarta.mail.internet.MimeMessage[]::new);
        assertEquals(1, received.length, "only Ana gets the message");
        assertEquals("ana-" + run + "@example.com", received[0].getAllRecipients()[0].toString());
        assertEquals("Llega la primavera, Ana", received[0].getSubject());
        assertTrue(com.icegreen.greenmail.util.GreenMailUtil.getBody(received[0]).contains("Hola Ana"));
        assertEquals("List-Unsubscribe=One-Click", received[0].getHeader("List-Unsubscribe-Post")[0]);
        String unsubscribe = received[0].getHeader("List-Unsubscribe")[0];
        assertTrue(unsubscribe.startsWith("<http://127.0.0.1:" + Suite.GATEWAY + "/unsubscribe?t="), unsubscribe);
        assertEquals("<" + campaignId + "." + people[0] + "@rapport.local>", received[0].getHeader("Message-ID")[0]);

        // Ana's mail client uses the one-click unsubscribe (RFC 8058): the withdrawal is in the ledger, and the next
        // campaign's send time check sees it.
        io.restassured.RestAssured.given().contentType("application/x-www-form-urlencoded").body("List-Unsubscribe=One-Click")
                .post(unsubscribe.substring(1, unsubscribe.length() - 1)).then().statusCode(200);
        rest(partner).get("/api/v1/profiles/" + people[0] + "/consent").then().statusCode(200)
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'email' }.allowed", org.hamcrest.Matchers.equalTo(false));

        // Her mail also shows both ways in its text, in Spanish; she changes her mind in the preference centre, in a browser
        String body = com.icegreen.greenmail.util.GreenMailUtil.getBody(received[0]).replace("=\r\n", "").replace("=3D", "=");
        java.util.regex.Matcher choices = java.util.regex.Pattern.compile("Tus preferencias: (http\\S+/preferences\\?t=\\S+)").matcher(body);
        assertTrue(body.contains("Darse de baja: http") && choices.find(), body);
        try (Browsers browsers = Browsers.launch()) {
            com.microsoft.playwright.Page page = browsers.person().newPage();
            page.navigate(choices.group(1));
            com.microsoft.playwright.Locator email = page.getByLabel("by email");
            com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat(email).not().isChecked();
            email.check();
            page.getByText("Save my choices").click();
            com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat(page.getByRole(com.microsoft.playwright.options.AriaRole.STATUS))
                    .hasText("Saved: 1 change.");
            com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat(page.getByLabel("by email")).isChecked();
        }
        rest(partner).get("/api/v1/profiles/" + people[0] + "/consent").then().statusCode(200)
                .body("bases.find { it.purpose == 'marketing.communications' && it.channel == 'email' }.allowed", org.hamcrest.Matchers.equalTo(true));
    }

    @Test
    @Order(16)
    void anAgentImportsTheHelpCentreAsCsvAndACustomersQuestionFindsItsArticleThroughTheGateway() {
        String agent = Tokens.person("demo-agent");
        String customer = Tokens.person("demo-customer");
        String late = "e2e-late"; // fixed keys: a second run replaces these articles instead of adding more
        String csv = "key,language,title,body,example_questions\n"
                + late + ",en,Where is my order?,Track your courier live from the order page.,\"My food has not arrived yet\nThe delivery is late\nWhere is the courier?\"\n"
                + "refund-" + late + ",en,Getting a refund,Refunds go back to your card within five days.,\"I want my money back\nRefund for a cold meal\"\n"
                + late + ",ko,주문이 어디에 있나요?,주문 화면에서 배달원의 위치를 확인하세요.,\"배달이 늦어요\n음식이 아직 안 왔어요\"\n";

        // a bad row refuses the whole import and names the row
        String bad = csv + "broken-" + late + ",en,,No title,\"Where?\"\n";
        rest(agent).contentType("text/csv; charset=UTF-8").body(bad).post("/api/v1/articles/import").then().statusCode(400)
                .contentType("application/problem+json").body("violations.field", org.hamcrest.Matchers.hasItem("articles[3].title"));
        rest(customer).contentType("text/csv; charset=UTF-8").body(csv).post("/api/v1/articles/import").then().statusCode(403);

        int created = rest(agent).contentType("text/csv; charset=UTF-8").body(csv).post("/api/v1/articles/import").then().statusCode(200)
                .extract().path("created");
        int updated = rest(agent).contentType("text/csv; charset=UTF-8").body(csv).post("/api/v1/articles/import").then().statusCode(200)
                .extract().path("updated");
        assertEquals(3, updated, "importing again replaces the same three articles");
        assertTrue(created == 3 || created == 0, "created " + created);
        // the search index follows within seconds (the English article may be there already from an earlier run)
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
            rest(customer).queryParam("q", "my food still hasn't arrived")
                    .queryParam("language", "en-GB").get("/api/v1/articles/search").then().statusCode(200)
                    .body("matches[0].title", org.hamcrest.Matchers.equalTo("Where is my order?"))
                    .body("model", org.hamcrest.Matchers.equalTo("all-minilm-l6-v2-q"));
            rest(customer).queryParam("q", "배달이 너무 늦어요").queryParam("language", "ko-KR").get("/api/v1/articles/search").then()
                    .statusCode(200).body("language", org.hamcrest.Matchers.equalTo("ko"))
                    .body("matches[0].title", org.hamcrest.Matchers.equalTo("주문이 어디에 있나요?"));
        });
        rest(customer).queryParam("q", "x".repeat(1_001)).get("/api/v1/articles/search").then().statusCode(400)
                .body("violations.field", org.hamcrest.Matchers.hasItem("text"));
        rest(customer).get("/api/v1/articles").then().statusCode(403);
    }

    @Test
    @Order(17)
    void aVisitorChatsWithTheBotOverTheGatewaysWebSocketGetsAnAnswerSuggestionsAndAPersonWhenAsked() throws Exception {
        passwordArticle();

        try (ChatClient chat = ChatClient.connect(Suite.GATEWAY)) {
            chat.send(new JsonObject().put("type", "start").put("language", "en-GB"));
            JsonObject started = chat.next("started");
            String visitor = started.getString("visitor");
            assertTrue(visitor.startsWith("v1."), started.encode());
            assertTrue(chat.next("message").getString("text").contains("not a person"), "the bot says it is a bot");

            String[] suggestion = new String[1];
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                chat.send(new JsonObject().put("type", "typing").put("text", "I forgot my passw"));
                JsonArray suggested = chat.next("suggestions").getJsonArray("articles");
                assertEquals("Resetting your password", suggested.getJsonObject(0).getString("title"));
                suggestion[0] = suggested.getJsonObject(0).getString("id");
            });

            // the visitor clicks the suggestion before sending anything: the bot answers with that article
            chat.send(new JsonObject().put("type", "message").put("id", "m1").put("article", suggestion[0]).put("text", ""));
            JsonObject answer = chat.next("message");
            assertTrue(answer.getString("text").contains("Forgot password"), answer.encode());
            assertEquals("WITH_BOT", chat.next("status").getString("status"));

            chat.send(new JsonObject().put("type", "message").put("id", "m2").put("text", "I want to talk to a person"));
            chat.next("message");
            // what it is about and how urgent, as quick replies; then an honest place in the queue
            assertTrue(chat.next("message").getJsonArray("quickReplies").contains("Something else"));
            chat.next("status");
            chat.send(new JsonObject().put("type", "message").put("id", "m3").put("text", "Something else"));
            assertTrue(chat.next("message").getJsonArray("quickReplies").contains("Today is fine"));
            chat.next("status");
            chat.send(new JsonObject().put("type", "message").put("id", "m4").put("text", "Today is fine"));
            assertTrue(chat.next("message").getString("text").contains("in the queue"), "an honest place in the queue");
            JsonObject status = chat.next("status");
            assertEquals("WAITING_FOR_AGENT", status.getString("status"));
            assertEquals("ASKED_FOR_PERSON", status.getString("handoverReason"));
            String conversation = started.getString("conversation");

            // the same visitor comes back to the conversation; a forged visitor id and someone else's visitor id do not
            try (ChatClient back = ChatClient.connect(Suite.GATEWAY)) {
                back.send(new JsonObject().put("type", "start").put("visitor", visitor).put("conversation", conversation));
                assertEquals(conversation, back.next("started").getString("conversation"));
            }
            try (ChatClient forged = ChatClient.connect(Suite.GATEWAY)) {
                forged.send(new JsonObject().put("type", "start").put("visitor", visitor.substring(0, visitor.length() - 2) + "xx"));
                assertEquals("Not allowed", forged.next("error").getString("title"));
            }
            try (ChatClient other = ChatClient.connect(Suite.GATEWAY)) {
                other.send(new JsonObject().put("type", "start"));
                String otherVisitor = other.next("started").getString("visitor");
                try (ChatClient intruder = ChatClient.connect(Suite.GATEWAY)) {
                    intruder.send(new JsonObject().put("type", "start").put("visitor", otherVisitor).put("conversation", conversation));
                    assertEquals("Not found", intruder.next("error").getString("title"));
                }
            }
            try (ChatClient customer = ChatClient.connect(Suite.GATEWAY)) {
                customer.send(new JsonObject().put("type", "start").put("language", "ko").put("token", Tokens.person("demo-customer")));
                JsonObject signedIn = customer.next("started");
                assertFalse(signedIn.containsKey("visitor"), "a signed-in customer needs no visitor id");
                assertTrue(customer.next("message").getString("text").contains("사람이 아닙니다"));
            }
            try (ChatClient partner = ChatClient.connect(Suite.GATEWAY)) {
                partner.send(new JsonObject().put("type", "start").put("token", Tokens.partner()));
                assertEquals("Not allowed", partner.next("error").getString("title"));
            }
            try (ChatClient bad = ChatClient.connect(Suite.GATEWAY)) {
                bad.send(new JsonObject().put("type", "message").put("id", "m1").put("text", "hello"));
                assertEquals("Not started", bad.next("error").getString("title"));
                bad.send(new JsonObject().put("type", "start"));
                bad.next("started");
                bad.next("message");
                bad.send(new JsonObject().put("type", "message").put("id", "").put("text", "x".repeat(2_001)));
                JsonObject refused = bad.next("error");
                assertEquals("Invalid input", refused.getString("title"));
                assertEquals(2, refused.getJsonArray("violations").size(), refused.encode());
            }
        }
    }

    @Test
    @Order(18)
    void aSignedInCustomersChatReachesTheirTimelineAndABadRatingMarksABadExperience() throws Exception {
        // the brand knows the customer: their user name is their external id
        String profileId = with(EventsGrpc.newBlockingStub(gateway), bearer(Tokens.partner())).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("demo-customer"))
                .setEvent(Event.newBuilder().setId("e2e-" + UUID.randomUUID()).setName("app_opened")).build()).getProfileId();

        String conversation;
        try (ChatClient chat = ChatClient.connect(Suite.GATEWAY)) {
            chat.send(new JsonObject().put("type", "start").put("language", "en").put("token", Tokens.person("demo-customer")));
            conversation = chat.next("started").getString("conversation");
            chat.next("message");
            // answered from the help centre (Order 17's article), the customer says it helped: resolved by the bot
            chat.send(new JsonObject().put("type", "message").put("id", "m1").put("text", "How do I reset my password?"));
            assertTrue(chat.next("message").getString("text").contains("Forgot password"));
            chat.next("status");
            chat.send(new JsonObject().put("type", "message").put("id", "m2").put("text", "thank you, that helped"));
            chat.next("message");
            assertEquals("RESOLVED", chat.until("status", f -> true).getString("status"));
            chat.send(new JsonObject().put("type", "rate").put("satisfaction", 1).put("comment", "it took too long"));
            assertEquals(1, chat.until("rated", f -> true).getInteger("satisfaction"));
            chat.send(new JsonObject().put("type", "rate").put("satisfaction", 9));
            assertEquals("satisfaction", chat.until("error", f -> true).getJsonArray("violations").getJsonObject(0).getString("field"));
        }

        // chatbot-service -> chat.conversations -> profile-service: the steps on the customer's timeline
        var profiles = with(ProfilesGrpc.newBlockingStub(gateway), bearer(Tokens.partner()));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var steps = profiles.listProfileTimeline(ListTimelineRequest.newBuilder().setProfileId(profileId).setPageSize(100).build())
                    .getEntriesList().stream()
                    .filter(e -> e.getKind().equals("conversation")
                            && e.getDetails().getFieldsOrThrow("conversationId").getStringValue().equals(conversation))
                    .collect(Collectors.toMap(e -> e.getDetails().getFieldsOrThrow("step").getStringValue(), e -> e.getDetails()));
            assertEquals(Set.of("started", "resolved", "rated"), steps.keySet());
            assertEquals(1, steps.get("rated").getFieldsOrThrow("satisfaction").getNumberValue());
            assertTrue(steps.get("rated").getFieldsOrThrow("badExperience").getBoolValue(), "a rating of 1 is a bad experience");
        });
    }

    @Test
    @Order(19)
    void aCustomerAsksForAPersonAnAgentAcceptsAndTheyTalkLiveWhileTheBotIsSilentThenTheCustomerRatesIt() throws Exception {
        try (ChatClient customer = ChatClient.connect(Suite.GATEWAY); ChatClient agent = ChatClient.agent(Suite.GATEWAY)) {
            customer.send(new JsonObject().put("type", "start").put("language", "en"));
            String conversation = customer.next("started").getString("conversation");
            customer.next("message");
            customer.send(new JsonObject().put("type", "message").put("id", "m1").put("text", "My order never came, I want to talk to a person"));
            customer.until("status", f -> f.getString("status").equals("WAITING_FOR_AGENT"));
            // queued once it said what it is about and how urgent
            customer.send(new JsonObject().put("type", "message").put("id", "m1a").put("text", "Orders and delivery"));
            customer.until("message", f -> f.getJsonArray("quickReplies").contains("It can't wait"));
            customer.send(new JsonObject().put("type", "message").put("id", "m1b").put("text", "It can't wait"));
            customer.until("message", f -> f.getString("text").contains("in the queue"));

            agent.send(new JsonObject().put("type", "start").put("token", Tokens.person("demo-agent")));
            assertEquals("demo-agent", agent.next("started").getString("agent"));
            agent.send(new JsonObject().put("type", "queue"));
            JsonObject waiting = agent.next("queue").getJsonArray("conversations").stream().map(JsonObject.class::cast)
                    .filter(c -> c.getString("conversation").equals(conversation)).findFirst().orElseThrow();
            JsonObject handoff = waiting.getJsonObject("handoff");
            assertEquals("ASKED_FOR_PERSON", handoff.getString("reason"));
            assertEquals("My order never came, I want to talk to a person", handoff.getJsonArray("customerSaid").getString(0),
                    "the agent sees what the customer said, so nobody asks again");

            agent.send(new JsonObject().put("type", "accept").put("conversation", conversation));
            assertEquals("WITH_AGENT", agent.next("accepted").getString("status"));
            assertTrue(customer.until("message", f -> f.getString("author").equals("BOT")).getString("text").contains("has joined"));
            customer.until("status", f -> f.getString("status").equals("WITH_AGENT"));

            agent.send(new JsonObject().put("type", "message").put("conversation", conversation).put("id", "a1")
                    .put("text", "Sorry about that! Let me check your order."));
            assertEquals("a1", agent.until("sent", f -> true).getString("id"));
            JsonObject fromAgent = customer.until("message", f -> f.getString("author").equals("AGENT"));
            assertEquals("Sorry about that! Let me check your order.", fromAgent.getString("text"), "the customer sees it live");

            customer.send(new JsonObject().put("type", "message").put("id", "m2").put("text", "Thanks, it was order 1234"));
            assertEquals("WITH_AGENT", customer.next("status").getString("status"), "no bot reply: a person holds the conversation");
            assertEquals("Thanks, it was order 1234",
                    agent.until("message", f -> f.getString("author").equals("CUSTOMER")).getString("text"), "the agent sees it live");

            agent.send(new JsonObject().put("type", "resolve").put("conversation", conversation));
            agent.until("status", f -> f.getString("status").equals("RESOLVED"));
            customer.until("status", f -> f.getString("status").equals("RESOLVED"));
            customer.send(new JsonObject().put("type", "rate").put("satisfaction", 5).put("comment", "quick and kind"));
            assertEquals(5, customer.until("rated", f -> true).getInteger("satisfaction"));

            // only agents reach the desk
            try (ChatClient other = ChatClient.agent(Suite.GATEWAY)) {
                other.send(new JsonObject().put("type", "start").put("token", Tokens.person("demo-admin")));
                assertEquals("Not allowed", other.next("error").getString("title"), "the agent desk is for agents");
            }
        }
    }

    @Tag(Resilience.FAULT)
    @Test
    @Order(20)
    void aCustomersAccessRequestExportsWhatEveryServiceHoldsAndTheirErasureIsVerifiedEverywhereThoughAServiceIsDownAtFirst() throws Exception {
        String user = "e2e-erin-" + UUID.randomUUID().toString().substring(0, 8);
        Keycloak.createCustomer(user);
        String customer = Tokens.person(user);
        // a chat before the brand had a profile for them (kept under their sign-in only), then a profile, consent, and
        // a chat rated badly (the timeline, and campaign-service's hold on marketing)
        passwordArticle(); // there already when the whole suite runs; this scenario also runs alone (make resilience)
        resolvedChat(customer, 0);
        String profileId = with(EventsGrpc.newBlockingStub(gateway), bearer(Tokens.partner())).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue(user))
                .setEvent(Event.newBuilder().setId("e2e-" + UUID.randomUUID()).setName("order_placed")
                        .setProperties(com.google.protobuf.Struct.newBuilder().putFields("amount",
                                com.google.protobuf.Value.newBuilder().setNumberValue(23.5).build()))).build()).getProfileId();
        consent(Tokens.partner(), profileId, true, "DE");
        resolvedChat(customer, 1);

        // a customer reaches their own profile and consent, and nobody else's: another's is "not found", like a missing one
        rest(customer).get("/api/v1/profiles/lookup?type=EXTERNAL_ID&value=" + user).then().statusCode(200).body("id", org.hamcrest.Matchers.equalTo(profileId));
        rest(customer).get("/api/v1/profiles/" + profileId + "/consent").then().statusCode(200);
        String someoneElse = with(EventsGrpc.newBlockingStub(gateway), bearer(Tokens.partner())).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("e2e-other-" + UUID.randomUUID()))
                .setEvent(Event.newBuilder().setId("e2e-" + UUID.randomUUID()).setName("app_opened")).build()).getProfileId();
        rest(customer).get("/api/v1/profiles/" + someoneElse).then().statusCode(404);
        rest(customer).get("/api/v1/profiles/" + someoneElse + "/consent").then().statusCode(404);
        rest(customer).get("/api/v1/profiles/lookup?type=EXTERNAL_ID&value=demo-customer").then().statusCode(404);
        assertRefused(Status.Code.NOT_FOUND, () -> with(ProfilesGrpc.newBlockingStub(gateway), bearer(customer))
                .getProfile(dev.rapport.proto.profile.v1.GetProfileRequest.newBuilder().setProfileId(someoneElse).build()));

        // the customer asks what Rapport holds about them; their sign-in is their verification; GDPR: one month
        JsonObject access = new JsonObject(rest(customer).body("{\"kind\": \"ACCESS\"}").post("/api/v1/privacy-requests")
                .then().statusCode(201).extract().asString());
        assertEquals(profileId, access.getString("subject"));
        assertEquals("GDPR", access.getString("regime"), "the jurisdiction the consent ledger holds");
        assertEquals(java.time.Instant.parse(access.getString("receivedTime")).atZone(java.time.ZoneOffset.UTC).plusMonths(1).toInstant(),
                java.time.Instant.parse(access.getString("deadline")));
        String accessId = access.getString("id");
        rest(Tokens.person("demo-customer")).get("/api/v1/privacy-requests/" + accessId).then().statusCode(404);
        JsonObject export = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            var response = rest(customer).get("/api/v1/privacy-requests/" + accessId + "/export");
            return response.statusCode() == 200 ? new JsonObject(response.asString()) : null;
        }, java.util.Objects::nonNull);
        assertTrue(export.getJsonArray("profile").stream().map(JsonObject.class::cast).anyMatch(p -> p.containsKey("event")), export.encode());
        assertEquals(2, export.getJsonArray("conversations").size(), "the chat before the profile too: " + export.encode());
        assertEquals(1, export.getJsonArray("consent_records").size());
        assertTrue(export.containsKey("segments") && export.containsKey("engagement"), export.encode());
        assertTrue(export.getJsonObject("campaigns").containsKey("lastBadExperience"), "the hold after the bad rating: " + export.encode());

        // erasure: staff must say how they verified the person
        JsonObject refused = new JsonObject(rest(Tokens.person("demo-privacy"))
                .body("{\"subject\": \"" + profileId + "\", \"kind\": \"ERASURE\"}").post("/api/v1/privacy-requests")
                .then().statusCode(400).extract().asString());
        assertEquals("verification", refused.getJsonArray("violations").getJsonObject(0).getString("field"));

        // chatbot-service is down when the erasure is opened: every other part completes, its part waits
        Suite.killService("chatbot-service");
        JsonObject erasure = new JsonObject(rest(Tokens.person("demo-privacy"))
                .body("{\"subject\": \"" + profileId + "\", \"kind\": \"ERASURE\", \"verification\": \"answered from the account's email address\"}")
                .post("/api/v1/privacy-requests").then().statusCode(201).extract().asString());
        String erasureId = erasure.getString("id");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
            JsonObject now = privacyRequest(erasureId);
            Map<String, String> states = parts(now, "CARRY_OUT");
            assertEquals(Set.of("profile-service", "segment-service", "campaign-service", "chatbot-service", "gateway", "keycloak"), states.keySet());
            states.forEach((service, state) -> assertEquals(service.equals("chatbot-service") ? "SENT" : "COMPLETED", state, service + " in " + now.encode()));
            assertEquals("IN_PROGRESS", now.getString("status"));
        });
        assertEquals(0, Keycloak.accounts(user), "the sign-in account is deleted");

        Suite.startServices();
        JsonObject done = await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                .until(() -> privacyRequest(erasureId), r -> r.getString("status").equals("COMPLETED"));
        Map<String, String> verified = parts(done, "VERIFY");
        assertEquals(6, verified.size(), done.encode());
        done.getJsonArray("parts").stream().map(JsonObject.class::cast).filter(p -> p.getString("step").equals("VERIFY"))
                .forEach(p -> assertEquals("0", String.valueOf(p.getValue("records", "0")), "nothing left in " + p.encode()));
        assertTrue(done.getString("outcome").contains("verified: nothing left"), done.getString("outcome"));
        assertEquals("", done.getString("subject", ""), "a verified erasure forgets whom it was about");

        assertRefused(Status.Code.NOT_FOUND, () -> with(ProfilesGrpc.newBlockingStub(gateway), bearer(Tokens.partner()))
                .getProfile(dev.rapport.proto.profile.v1.GetProfileRequest.newBuilder().setProfileId(profileId).build()));
        rest(Tokens.person("demo-privacy")).get("/api/v1/profiles/" + profileId + "/consent").then().statusCode(404);
        io.restassured.RestAssured.given().contentType("application/x-www-form-urlencoded")
                .formParams(Map.of("grant_type", "password", "client_id", "rapport-web", "username", user, "password", "demo"))
                .post(LocalStack.KEYCLOAK_URL + "/realms/rapport/protocol/openid-connect/token").then()
                .body("error", org.hamcrest.Matchers.equalTo("invalid_grant")); // the account is gone: no sign-in
        Resilience.record("data-subject erasure", "chatbot-service kill -9 before the erasure is opened; started again later",
                "the other parts complete at once, the missing one when its service is back; verified everywhere",
                "5 of 6 parts COMPLETED while down, 6 of 6 verified (nothing left) after the restart, account deleted");
    }

    @Test
    @Order(21)
    void aSignedInPremiumCustomerGoesToThePriorityTeamAndTheAgentSeesOnlyWhatSupportMaySeeOfThem() throws Exception {
        String user = "e2e-premium-" + UUID.randomUUID().toString().substring(0, 8);
        Keycloak.createCustomer(user);
        String partner = Tokens.partner();
        rest(partner).body("{\"name\": \"plan\", \"type\": \"STRING\", \"dataCategory\": \"user.account\"}")
                .post("/api/v1/attribute-definitions").then().statusCode(200); // the same definition again is answered, not refused
        String profileId = with(EventsGrpc.newBlockingStub(gateway), bearer(partner)).recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue(user))
                .setEvent(Event.newBuilder().setId("e2e-" + UUID.randomUUID()).setName("app_opened")).build()).getProfileId();
        rest(partner).body("{\"first_name\": \"Mina\", \"plan\": \"premium\", \"birth_date\": \"1990-04-01\", \"city\": \"Busan\"}")
                .patch("/api/v1/profiles/" + profileId + "/attributes").then().statusCode(200);

        try (ChatClient customer = ChatClient.connect(Suite.GATEWAY); ChatClient agent = ChatClient.agent(Suite.GATEWAY)) {
            customer.send(new JsonObject().put("type", "start").put("language", "en").put("token", Tokens.person(user)));
            String conversation = customer.next("started").getString("conversation");
            customer.next("message");
            customer.send(new JsonObject().put("type", "message").put("id", "m1").put("text", "I need to talk to a person"));
            customer.next("message");
            // their plan routes them: nobody asks what it is about, only how urgent
            JsonObject asked = customer.next("message");
            assertEquals("And how urgent is it?", asked.getString("text"), asked.encode());
            customer.send(new JsonObject().put("type", "message").put("id", "m2").put("text", "It can't wait"));
            customer.until("message", f -> f.getString("text").contains("in the queue"));

            agent.send(new JsonObject().put("type", "start").put("token", Tokens.person("demo-agent")));
            agent.next("started");
            agent.send(new JsonObject().put("type", "queue").put("teams", new JsonArray().add("priority")));
            JsonObject handoff = agent.next("queue").getJsonArray("conversations").stream().map(JsonObject.class::cast)
                    .filter(c -> c.getString("conversation").equals(conversation)).findFirst().orElseThrow().getJsonObject("handoff");
            assertEquals("priority", handoff.getString("team"));
            assertEquals("PLAN", handoff.getString("routedBy"));
            assertEquals("HIGH", handoff.getString("urgency"));
            JsonObject facts = handoff.getJsonObject("customerFacts");
            assertEquals("Mina", facts.getString("first_name"));
            assertEquals("premium", facts.getString("plan"));
            assertFalse(facts.containsKey("birth_date"), "support does not see a birth date: " + facts.encode());
            assertEquals("Busan", facts.getString("city"), "how to reach them, roughly where they are");

            agent.send(new JsonObject().put("type", "teams"));
            JsonArray teams = agent.next("teams").getJsonArray("teams");
            assertTrue(teams.stream().map(JsonObject.class::cast).anyMatch(t -> t.getString("name").equals("priority") && t.getInteger("waiting") >= 1),
                    teams.encode());
        }
    }

    /** A signed-in customer's chat the help centre resolves; rated when a satisfaction is given. */
    @Tag(Resilience.FAULT)
    @Test
    @Order(22)
    void aCartAbandonedAndNotBoughtInTimeGetsOneReminderAcrossARestartOfCampaignServiceAndABuyerGetsNone() throws Exception {
        String partner = Tokens.partner();
        String marketer = Tokens.person("demo-marketer");
        String run = UUID.randomUUID().toString().substring(0, 8);
        pauseLeftovers(marketer, "basket reminder "); // an earlier run's on the same database would remind Dana too
        String journey = rest(marketer).body("{\"name\": \"basket reminder " + run + "\", \"purpose\": \"marketing.communications\", "
                + "\"channel\": \"email\", \"priority\": 60, \"defaultLocale\": \"en\", \"variants\": ["
                + "{\"locale\": \"en\", \"subjectLine\": \"Still hungry, {{ profile.first_name }}?\", "
                + "\"body\": \"Your {{ event.item }} is waiting: {{ event.total }} EUR.\"}],"
                + "\"journey\": {\"triggerEvent\": \"cart_abandoned\", \"exitEvents\": [\"order_placed\"], \"steps\": ["
                + "{\"waitForEvent\": {\"event\": \"order_placed\", \"timeout\": \"8s\", \"onEvent\": \"EXIT\", \"onTimeout\": \"CONTINUE\"}},"
                + "{\"sendMessage\": {}}]}}")
                .post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
        rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + journey + "/status").then().statusCode(200);

        // Dana leaves her basket; Eli leaves his and orders within the time. Both agreed to marketing email.
        String[] people = new String[2];
        String[] names = { "Dana", "Eli" };
        for (int i = 0; i < 2; i++) {
            people[i] = rest(partner).body("{\"identifier\": {\"type\": \"EXTERNAL_ID\", \"value\": \"basket-" + names[i] + "-" + run + "\"}, "
                    + "\"event\": {\"name\": \"app_opened\"}}").post("/api/v1/events").then().statusCode(201).extract().path("profileId");
            rest(partner).body("{\"first_name\": \"" + names[i] + "\", \"language\": \"en-IE\", \"email\": \"" + names[i].toLowerCase(java.util.Locale.ROOT)
                    + "-" + run + "@example.com\"}").patch("/api/v1/profiles/" + people[i] + "/attributes").then().statusCode(200);
            consent(partner, people[i], true, "IE");
        }
        // Dana's cart_abandoned request starts a trace of its own (the tour's step 10: the trace from event to message)
        String traceId = HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
        for (int i = 0; i < 2; i++) {
            rest(partner).header("traceparent", "00-" + (i == 0 ? traceId : HexFormat.of().formatHex(new SecureRandom().generateSeed(16)))
                            + "-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8)) + "-01")
                    .body("{\"identifier\": {\"type\": \"EXTERNAL_ID\", \"value\": \"basket-" + names[i] + "-" + run + "\"}, "
                    + "\"event\": {\"name\": \"cart_abandoned\", \"properties\": {\"item\": \"bibimbap\", \"total\": 14.5}}}")
                    .post("/api/v1/events").then().statusCode(201);
        }
        rest(partner).body("{\"identifier\": {\"type\": \"EXTERNAL_ID\", \"value\": \"basket-Eli-" + run + "\"}, "
                + "\"event\": {\"name\": \"order_placed\", \"properties\": {\"total\": 14.5}}}").post("/api/v1/events").then().statusCode(201);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
            var runs = rest(marketer).get("/api/v1/campaigns/" + journey + "/deliveries").then().statusCode(200).extract().jsonPath();
            return "1".equals(runs.getString("journeyRuns.'at step 1 (wait_for_event)'")) && "1".equals(runs.getString("journeyRuns.'exited (order_placed)'"));
        });

        // Spans leave a service in batches, and kill -9 loses a batch not yet sent: the receive of Dana's event must have
        // reached the collector before campaign-service dies, or the trace below would miss it for a reason of tracing alone.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> traces.trace(traceId).stream()
                .anyMatch(s -> s.service().equals("campaign-service") && s.kind() == SpanKind.SPAN_KIND_CONSUMER));
        // campaign-service dies while Dana's timer runs; the timer fires once it is back.
        Suite.killService("campaign-service");
        Suite.startServices();
        Suite.awaitReadiness(Suite.CAMPAIGN, "UP", Duration.ofSeconds(120));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> received(run).size() == 1);
        jakarta.mail.internet.MimeMessage reminder = received(run).get(0);
        assertEquals("dana-" + run + "@example.com", reminder.getAllRecipients()[0].toString());
        assertEquals("Still hungry, Dana?", reminder.getSubject());
        assertTrue(com.icegreen.greenmail.util.GreenMailUtil.getBody(reminder).contains("Your bibimbap is waiting: 14.5 EUR."));
        assertEquals("List-Unsubscribe=One-Click", reminder.getHeader("List-Unsubscribe-Post")[0]);
        await().ignoreExceptions().atMost(Duration.ofSeconds(30)).until(() -> rest(marketer).get("/api/v1/campaigns/" + journey + "/deliveries")
                .then().statusCode(200).extract().jsonPath().getString("journeyRuns.completed").equals("1"));
        rest(marketer).get("/api/v1/campaigns/" + journey + "/deliveries").then().statusCode(200)
                .body("sent", org.hamcrest.Matchers.equalTo("1"))
                .body("journeyRuns.'exited (order_placed)'", org.hamcrest.Matchers.equalTo("1"));
        Thread.sleep(2000);
        assertEquals(1, received(run).size(), "one reminder, to Dana only");

        // one trace from her request to the message, across the restart: gateway, profile-service, Kafka, campaign-service
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var spans = traces.trace(traceId);
            assertTrue(spans.stream().map(TraceCollector.ReceivedSpan::service).collect(Collectors.toSet())
                    .containsAll(Set.of("gateway", "profile-service", "campaign-service")), "services in the trace: " + spans);
            assertTrue(spans.stream().anyMatch(s -> s.service().equals("campaign-service") && s.kind() == SpanKind.SPAN_KIND_CONSUMER),
                    "campaign-service's Kafka receive of the event is in the trace: " + spans);
            assertEquals(1, spans.stream().filter(s -> s.service().equals("campaign-service") && s.name().equals("deliver email")).count(),
                    "the reminder's delivery, once, is in the trace: " + spans);
        });

        // campaign-service -> campaign.deliveries -> profile-service: the reminder on Dana's timeline, under the id of its Message-ID
        var profiles = with(ProfilesGrpc.newBlockingStub(gateway), bearer(partner));
        String messageId = reminder.getHeader("Message-ID")[0].replaceAll("^<|@.*$", "");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(List.of("SENT"),
                profiles.listProfileTimeline(ListTimelineRequest.newBuilder().setProfileId(people[0]).setPageSize(100).build()).getEntriesList().stream()
                        .filter(e -> e.getKind().equals("delivery") && e.getDetails().getFieldsOrThrow("messageId").getStringValue().equals(messageId))
                        .map(e -> e.getDetails().getFieldsOrThrow("status").getStringValue()).toList()));
        Resilience.record("journey with a pending timer", "kill -9 campaign-service while a cart-abandonment run waits out its timer (order_placed within 8 s, else a reminder)",
                "the timer fires once after the restart: one reminder to who did not buy, none to the buyer",
                "1 reminder sent after the restart (1 delivery span), the buyer's run exited on order_placed, 0 sent twice");
    }

    @Test
    @Order(23)
    void aPartnerAppTriggersAJourneyThroughTheGatewayWithItsPayloadOnceAndOnlyForAPurposeThePersonAllows() throws Exception {
        String partner = Tokens.partner();
        String marketer = Tokens.person("demo-marketer");
        String run = UUID.randomUUID().toString().substring(0, 8);
        String dispatched = triggeredByApi(marketer, "order dispatched " + run, "essential.service.notifications",
                "Order {{ event.order_id }} is on its way, {{ profile.first_name }}");
        String promotion = triggeredByApi(marketer, "dessert offer " + run, "marketing.communications", "A dessert for you");
        String fay = rest(partner).body("{\"identifier\": {\"type\": \"EXTERNAL_ID\", \"value\": \"dispatch-Fay-" + run + "\"}, "
                + "\"event\": {\"name\": \"app_opened\"}}").post("/api/v1/events").then().statusCode(201).extract().path("profileId");
        rest(partner).body("{\"first_name\": \"Fay\", \"language\": \"en-GB\", \"email\": \"fay-" + run + "@example.com\"}")
                .patch("/api/v1/profiles/" + fay + "/attributes").then().statusCode(200);
        // she lets the brand measure its campaigns (analytics, opt-in in the UK): her mail may carry an open image
        rest(partner).body("{\"subject\": \"" + fay + "\", \"purpose\": \"analytics.reporting.campaign_insights\", \"granted\": true, "
                + "\"method\": \"form\", \"noticeVersion\": \"privacy-2026-11\", \"jurisdiction\": \"GB\"}")
                .post("/api/v1/consents").then().statusCode(201);

        String trigger = "{\"profileId\": \"" + fay + "\", \"triggerId\": \"dispatch-A-9-" + run + "\", \"properties\": {\"order_id\": \"A-9\"}}";
        rest(partner).body(trigger).post("/api/v1/campaigns/" + dispatched + "/triggers").then().statusCode(200)
                .body("entered", org.hamcrest.Matchers.equalTo(true));
        rest(partner).body(trigger).post("/api/v1/campaigns/" + dispatched + "/triggers").then().statusCode(200) // a retry: the same answer
                .body("entered", org.hamcrest.Matchers.equalTo(true));
        // Fay never agreed to marketing: a promotional journey may not use her data at all
        rest(partner).body(trigger).post("/api/v1/campaigns/" + promotion + "/triggers").then().statusCode(403);
        rest(partner).body("{\"profileId\": \"nobody\", \"triggerId\": \"\"}").post("/api/v1/campaigns/" + dispatched + "/triggers")
                .then().statusCode(400);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> received(run).size() == 1);
        assertEquals("Order A-9 is on its way, Fay", received(run).get(0).getSubject());
        Thread.sleep(1500);
        assertEquals(1, received(run).size(), "one message for one trigger");

        // its link goes through the signed redirect: counted, then on to where it points; a forged one goes nowhere
        String text = com.icegreen.greenmail.util.GreenMailUtil.getBody(received(run).get(0)).replace("=\r\n", "").replace("=3D", "=");
        java.util.regex.Matcher tracked = java.util.regex.Pattern.compile("/r\\?t=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)").matcher(text);
        assertTrue(tracked.find(), text);
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).redirects().follow(false).queryParam("t", tracked.group(1))
                .get("/r").then().statusCode(302).header("Location", "https://mealtide.example/orders/A-9");
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).redirects().follow(false)
                .queryParam("t", tracked.group(1).substring(0, tracked.group(1).indexOf('.')) + ".forged").get("/r").then().statusCode(400);
        await().atMost(Duration.ofSeconds(10)).until(() -> "1".equals(rest(marketer).get("/api/v1/campaigns/" + dispatched + "/deliveries")
                .then().statusCode(200).extract().jsonPath().getString("clicked")));

        // Fay let the brand measure its campaigns (above): this mail carries the open image, which the gateway serves and counts
        String rated = rest(marketer).body("{\"name\": \"rate your dish " + run + "\", \"purpose\": \"essential.service.notifications\", "
                + "\"channel\": \"email\", \"defaultLocale\": \"en\", \"trackOpens\": true, \"variants\": [{\"locale\": \"en\", "
                + "\"subjectLine\": \"How was it?\", \"body\": \"Rate order {{ event.order_id }}.\"}], "
                + "\"journey\": {\"apiTrigger\": true, \"steps\": [{\"sendMessage\": {}}]}}")
                .post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
        rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + rated + "/status").then().statusCode(200);
        rest(partner).body(trigger).post("/api/v1/campaigns/" + rated + "/triggers").then().statusCode(200)
                .body("entered", org.hamcrest.Matchers.equalTo(true));
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> received(run).size() == 2);
        var ratedMail = received(run).stream().filter(m -> {
            try {
                return m.getSubject().equals("How was it?");
            } catch (jakarta.mail.MessagingException e) {
                return false;
            }
        }).findFirst().orElseThrow();
        String mime = com.icegreen.greenmail.util.GreenMailUtil.getWholeMessage(ratedMail).replace("=\r\n", "").replace("=3D", "=");
        java.util.regex.Matcher openImage = java.util.regex.Pattern.compile("/o\\?t=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)").matcher(mime);
        assertTrue(openImage.find(), mime);
        io.restassured.RestAssured.given().baseUri("http://127.0.0.1:" + Suite.GATEWAY).queryParam("t", openImage.group(1)).get("/o")
                .then().statusCode(200).contentType("image/gif").header("Cache-Control", org.hamcrest.Matchers.containsString("no-store"));
        await().atMost(Duration.ofSeconds(10)).until(() -> "1".equals(rest(marketer).get("/api/v1/campaigns/" + rated + "/deliveries")
                .then().statusCode(200).extract().jsonPath().getString("opened")));

        // an in-app message: in Fay's inbox, which her app reads through the gateway (and no other customer can)
        String inApp = rest(marketer).body("{\"name\": \"rider nearby " + run + "\", \"purpose\": \"essential.service.notifications\", "
                + "\"channel\": \"in_app\", \"defaultLocale\": \"en\", \"variants\": [{\"locale\": \"en\", \"subjectLine\": \"Your rider is "
                + "near\", \"body\": \"Order {{ event.order_id }} in 3 minutes\"}], \"journey\": {\"apiTrigger\": true, \"steps\": [{\"sendMessage\": {}}]}}")
                .post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
        rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + inApp + "/status").then().statusCode(200);
        rest(partner).body(trigger).post("/api/v1/campaigns/" + inApp + "/triggers").then().statusCode(200).body("entered", org.hamcrest.Matchers.equalTo(true));
        String message = await().atMost(Duration.ofSeconds(30)).until(() -> rest(partner).get("/api/v1/profiles/" + fay + "/inbox")
                .then().statusCode(200).extract().jsonPath().getString("messages[0].messageId"), java.util.Objects::nonNull);
        rest(partner).get("/api/v1/profiles/" + fay + "/inbox").then().statusCode(200)
                .body("unread", org.hamcrest.Matchers.equalTo("1")).body("messages[0].body", org.hamcrest.Matchers.equalTo("Order A-9 in 3 minutes"));
        rest(partner).post("/api/v1/profiles/" + fay + "/inbox/" + message + "/read").then().statusCode(200)
                .body("readTime", org.hamcrest.Matchers.notNullValue());
        rest(Tokens.person("demo-customer")).get("/api/v1/profiles/" + fay + "/inbox").then().statusCode(404);
    }

    @Test
    @Order(24)
    void aJourneyBranchesOnARealSegmentAndSetsAnAttributeOnTheRealProfile() throws Exception {
        String partner = Tokens.partner();
        String marketer = Tokens.person("demo-marketer");
        String run = UUID.randomUUID().toString().substring(0, 8);
        String tier = "welcome_tier_" + run;
        rest(partner).body("{\"name\": \"plan\", \"type\": \"STRING\", \"dataCategory\": \"user.account\"}")
                .post("/api/v1/attribute-definitions").then().statusCode(200);
        rest(partner).body("{\"name\": \"" + tier + "\", \"type\": \"STRING\", \"dataCategory\": \"user.account\"}")
                .post("/api/v1/attribute-definitions").then().statusCode(200);
        String gus = person(partner, "branch-Gus-" + run, "{\"first_name\": \"Gus\", \"plan\": \"gold-" + run + "\", \"email\": \"gus-" + run + "@example.com\"}");
        String hal = person(partner, "branch-Hal-" + run, "{\"first_name\": \"Hal\", \"plan\": \"basic\", \"email\": \"hal-" + run + "@example.com\"}");
        String gold = rest(marketer).body("{\"name\": \"gold " + run + "\", \"purpose\": \"essential.service\", \"definition\": {\"kind\": "
                + "\"attribute\", \"attribute\": \"plan\", \"operator\": \"eq\", \"value\": \"gold-" + run + "\"}}")
                .post("/api/v1/segments").then().statusCode(200).extract().path("id");
        await().atMost(Duration.ofSeconds(30)).until(() -> rest(partner).get("/api/v1/segments/" + gold + "/members").then().statusCode(200)
                .extract().jsonPath().getList("members.profileId").contains(gus));

        // 1: in the gold segment (segment-service, asked when the run gets there)? else to 3; 2: set the tier on the
        // profile (profile-service); 3: the welcome
        pauseLeftovers(marketer, "welcome by plan ");
        String journey = rest(marketer).body("{\"name\": \"welcome by plan " + run + "\", \"purpose\": \"essential.service.notifications\", "
                + "\"channel\": \"email\", \"defaultLocale\": \"en\", \"variants\": [{\"locale\": \"en\", \"subjectLine\": \"Welcome, "
                + "{{ profile.first_name }}\", \"body\": \"Glad you are here.\"}], \"journey\": {\"apiTrigger\": true, \"steps\": ["
                + "{\"branch\": {\"inSegment\": \"" + gold + "\", \"elseGoToStep\": 3}}, "
                + "{\"updateAttribute\": {\"attribute\": \"" + tier + "\", \"value\": \"gold\"}}, {\"sendMessage\": {}}]}}")
                .post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
        rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + journey + "/status").then().statusCode(200);
        for (String person : List.of(gus, hal)) {
            rest(partner).body("{\"profileId\": \"" + person + "\", \"triggerId\": \"welcome-" + person + "\"}")
                    .post("/api/v1/campaigns/" + journey + "/triggers").then().statusCode(200).body("entered", org.hamcrest.Matchers.equalTo(true));
        }
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> received(run).size() == 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> "gold".equals(rest(partner).get("/api/v1/profiles/" + gus).then().statusCode(200)
                .extract().jsonPath().getString("attributes." + tier)));
        assertEquals(null, rest(partner).get("/api/v1/profiles/" + hal).then().statusCode(200).extract().jsonPath().getString("attributes." + tier));
        // the change is versioned with where it came from: this campaign
        assertTrue(rest(partner).get("/api/v1/profiles/" + gus + "/versions").then().statusCode(200).extract().asString()
                .contains("campaign:" + journey));
        rest(marketer).get("/api/v1/campaigns/" + journey + "/deliveries").then().statusCode(200)
                .body("journeyRuns.completed", org.hamcrest.Matchers.equalTo("2"))
                .body("journeyRuns.'update " + tier + ": applied'", org.hamcrest.Matchers.equalTo("1"));
    }

    /** A profile made by a first event under this external id, with these attributes. */
    private static String person(String partner, String externalId, String attributes) {
        String id = rest(partner).body("{\"identifier\": {\"type\": \"EXTERNAL_ID\", \"value\": \"" + externalId + "\"}, "
                + "\"event\": {\"name\": \"app_opened\"}}").post("/api/v1/events").then().statusCode(201).extract().path("profileId");
        rest(partner).body(attributes).patch("/api/v1/profiles/" + id + "/attributes").then().statusCode(200);
        return id;
    }

    /** An active journey triggered by the API that sends its message at once. */
    private static String triggeredByApi(String marketer, String name, String purpose, String subject) {
        String id = rest(marketer).body("{\"name\": \"" + name + "\", \"purpose\": \"" + purpose + "\", \"channel\": \"email\", "
                + "\"defaultLocale\": \"en\", \"trackClicks\": true, \"variants\": [{\"locale\": \"en\", \"subjectLine\": \"" + subject + "\", "
                + "\"body\": \"Follow it at https://mealtide.example/orders/{{ event.order_id }} and enjoy.\"}], "
                + "\"journey\": {\"apiTrigger\": true, \"steps\": [{\"sendMessage\": {}}]}}")
                .post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
        rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + id + "/status").then().statusCode(200);
        return id;
    }

    private static List<jakarta.mail.internet.MimeMessage> received(String run) {
        return java.util.Arrays.stream(RunningSuite.mail().getReceivedMessages()).filter(m -> {
            try {
                return m.getAllRecipients()[0].toString().endsWith(run + "@example.com");
            } catch (jakarta.mail.MessagingException e) {
                return false;
            }
        }).toList();
    }

    @Test
    @Order(25)
    @Tag(Resilience.FAULT)
    void recordsDeliveredAgainChangeNothing() throws Exception {
        // What a consumer group whose offsets were reset would read: every one of a person's records on profile.events
        // and profile.changes again, in order. Sent again to the topics, as they were (key, value, headers).
        String token = Tokens.partner();
        String person = "replayed-" + UUID.randomUUID();
        var events = with(EventsGrpc.newBlockingStub(gateway), bearer(token));
        Identifier identifier = Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue(person).build();
        String profileId = "";
        for (int i = 0; i < 20; i++) {
            profileId = events.recordEvent(RecordEventRequest.newBuilder().setIdentifier(identifier)
                    .setEvent(Event.newBuilder().setId(person + "-" + i).setName("screen_viewed")).build()).getProfileId();
        }
        rest(token).body("{\"city\": \"Replay\"}").patch("/api/v1/profiles/" + profileId + "/attributes").then().statusCode(200);
        var segments = with(SegmentsGrpc.newBlockingStub(gateway), bearer(token));
        GetEngagementRequest engagement = GetEngagementRequest.newBuilder().setProfileId(profileId).build();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> segments.getEngagement(engagement).getEventCount() == 20);

        int replayed = 0;
        for (String topic : List.of(Suite.topic("profile.events"), Suite.topic("profile.changes"))) {
            replayed += Kafka.sendAgain(topic, profileId);
        }
        assertTrue(replayed >= 21, "records sent again: " + replayed);
        // one new event behind them on the same partition: once it is counted, the ones sent again were read
        events.recordEvent(RecordEventRequest.newBuilder().setIdentifier(identifier).setEvent(Event.newBuilder().setId(person + "-new")
                .setName("screen_viewed")).build());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> segments.getEngagement(engagement).getEventCount() >= 21);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> segments.getEngagement(engagement).getEventCount() == 21);
        Resilience.record("Kafka consumers re-read records", replayed + " records of one person on profile.events and profile.changes sent again, as an offset reset delivers them",
                "nothing counted or changed twice by their consumer (segment-service)", "segment-service's event count 20, then 21 after the replay and one new event: the replay counted 0");
    }

    /** Pauses the journeys an earlier run of this test left active (a developer's database outlives a run). */
    private static void pauseLeftovers(String marketer, String namePrefix) {
        List<Map<String, Object>> campaigns = rest(marketer).queryParam("page_size", 500).get("/api/v1/campaigns").then().statusCode(200)
                .extract().path("campaigns");
        for (Map<String, Object> campaign : campaigns == null ? List.<Map<String, Object>>of() : campaigns) {
            if (String.valueOf(campaign.get("name")).startsWith(namePrefix) && "ACTIVE".equals(campaign.get("status"))) {
                rest(marketer).body("{\"status\": \"PAUSED\"}").post("/api/v1/campaigns/" + campaign.get("id") + "/status").then().statusCode(200);
            }
        }
    }

    /** The help centre's password article (a fixed key: importing it again replaces it), once the bot can find it. */
    private static void passwordArticle() {
        String agent = Tokens.person("demo-agent");
        rest(agent).body("{\"articles\": [{\"key\": \"e2e-password\", \"language\": \"en\", "
                + "\"title\": \"Resetting your password\", \"body\": \"Tap 'Forgot password' on the sign-in screen and follow the email.\", "
                + "\"exampleQuestions\": [\"I forgot my password\", \"How do I reset my password?\", \"I can't sign in\", "
                + "\"My password doesn't work\", \"Change my password\", \"Locked out of my account\", \"Password reset email\", "
                + "\"I need a new password\", \"Can't log in to the app\", \"Reset password\"]}]}")
                .post("/api/v1/articles/import").then().statusCode(200);
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> rest(agent).queryParam("q", "How do I reset my password?")
                .queryParam("language", "en").get("/api/v1/articles/search").then().statusCode(200)
                .body("matches[0].title", org.hamcrest.Matchers.equalTo("Resetting your password")));
    }

    private static void resolvedChat(String token, int satisfaction) {
        try (ChatClient chat = ChatClient.connect(Suite.GATEWAY)) {
            chat.send(new JsonObject().put("type", "start").put("language", "en").put("token", token));
            chat.next("started");
            chat.next("message");
            chat.send(new JsonObject().put("type", "message").put("id", "m1").put("text", "How do I reset my password?"));
            assertTrue(chat.next("message").getString("text").contains("Forgot password"));
            chat.next("status");
            chat.send(new JsonObject().put("type", "message").put("id", "m2").put("text", "thank you, that helped"));
            chat.until("status", f -> f.getString("status").equals("RESOLVED"));
            if (satisfaction > 0) {
                chat.send(new JsonObject().put("type", "rate").put("satisfaction", satisfaction));
                chat.until("rated", f -> true);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonObject privacyRequest(String id) {
        return new JsonObject(rest(Tokens.person("demo-privacy")).get("/api/v1/privacy-requests/" + id).then().statusCode(200).extract().asString());
    }

    /** Each service's state in one step of a privacy request. */
    private static Map<String, String> parts(JsonObject request, String step) {
        return request.getJsonArray("parts").stream().map(JsonObject.class::cast).filter(p -> p.getString("step").equals(step))
                .collect(Collectors.toMap(p -> p.getString("service"), p -> p.getString("state")));
    }

    private static void consent(String token, String profileId, boolean granted, String jurisdiction) {
        rest(token).body("{\"subject\": \"" + profileId + "\", \"purpose\": \"marketing.communications\", \"channel\": \"email\", "
                + "\"granted\": " + granted + ", \"method\": \"form\", \"noticeVersion\": \"privacy-2026-11\", \"jurisdiction\": \"" + jurisdiction + "\"}")
                .post("/api/v1/consents").then().statusCode(201);
    }

    private static void assertRefused(Status.Code expected, Executable call) {
        StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class, call);
        assertEquals(expected, refused.getStatus().getCode(), refused.toString());
    }

    private static Metadata bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return headers;
    }

    private static <S extends AbstractStub<S>> S with(S stub, Metadata headers) {
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers), TEN_SECONDS_PER_CALL);
    }
}
