package dev.rapport.profile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.IngestEvent;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.ProfileServiceGrpc;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.GrpcFailures;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class EventRecordingTest extends CallsProfileService {
    @Inject
    Pool pool;

    @Test
    void anEventRecordedTwiceIsStoredAndPublishedOnce() {
        Identifier customer = customer();
        String eventId = "order-" + UUID.randomUUID();
        RecordEventRequest request = RecordEventRequest.newBuilder()
                .setIdentifier(customer)
                .setEvent(Event.newBuilder().setId(eventId).setName("order_placed")
                        .setProperties(Struct.newBuilder().putFields("total", Value.newBuilder().setNumberValue(42.5).build())))
                .build();

        RecordEventResponse first = profiles.recordEvent(request);
        RecordEventResponse second = profiles.recordEvent(request);

        assertFalse(first.getDuplicate());
        assertTrue(second.getDuplicate());
        assertEquals(first.getProfileId(), second.getProfileId());
        ListEventsResponse stored = profiles.listEvents(ListEventsRequest.newBuilder().setProfileId(first.getProfileId()).build());
        assertEquals(List.of(eventId), stored.getEventsList().stream().map(Event::getId).toList());
        assertEquals(42.5, stored.getEvents(0).getProperties().getFieldsOrThrow("total").getNumberValue());

        try (ConsumerTask<String, String> published = kafka.consumeStrings()
                .fromTopics(TestTopics.of(Topics.PROFILE_EVENTS), records -> records.filter(r -> r.key().equals(first.getProfileId())))) {
            published.awaitRecords(1, Duration.ofSeconds(15));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> published.count() == 1);
            assertTrue(published.getFirstRecord().value().contains(eventId));
        }
    }

    @Test
    void manyConcurrentEventsWithRepeatedIdsAreEachStoredAndPublishedOnce() throws Exception {
        // Concurrent calls share batches: repeated ids inside one batch and across batches must still count once.
        Identifier customer = customer();
        String run = UUID.randomUUID().toString();
        var async = ProfileServiceGrpc.newFutureStub(channel);
        List<com.google.common.util.concurrent.ListenableFuture<RecordEventResponse>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++) {
            calls.add(async.recordEvent(RecordEventRequest.newBuilder().setIdentifier(i % 2 == 0 ? customer : customer())
                    .setEvent(Event.newBuilder().setId(run + "-" + (i % 100)).setName("tapped")).build()));
        }
        List<RecordEventResponse> answers = com.google.common.util.concurrent.Futures.allAsList(calls).get(30, java.util.concurrent.TimeUnit.SECONDS);

        var firstAnswers = answers.stream().filter(a -> !a.getDuplicate()).toList();
        assertEquals(100, firstAnswers.size(), "one first answer per event id");
        assertEquals(100, firstAnswers.stream().map(RecordEventResponse::getEventId).distinct().count());
        for (String id : firstAnswers.stream().map(RecordEventResponse::getEventId).toList()) {
            assertEquals(1, answers.stream().filter(a -> a.getEventId().equals(id)).map(RecordEventResponse::getProfileId).distinct().count(),
                    "every answer for one event names the profile it was stored under");
        }
        assertEquals(100L, pool.preparedQuery("SELECT count(*) FROM event WHERE id LIKE $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(run + "-%")).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0));
        try (ConsumerTask<String, String> published = kafka.consumeStrings()
                .fromTopics(TestTopics.of(Topics.PROFILE_EVENTS), records -> records.filter(r -> r.value().contains(run)))) {
            published.awaitRecords(100, Duration.ofSeconds(20));
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> published.count() == 100);
        }
    }

    @Test
    void everyIdentifierOfAProfileFindsIt() {
        Identifier customer = customer();
        RecordEventResponse recorded = profiles.recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(customer).setEvent(Event.newBuilder().setName("app_opened")).build());

        var profile = profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(recorded.getProfileId()).build());

        assertEquals(recorded.getProfileId(), profile.getId());
        assertEquals(List.of(customer), profile.getIdentifiersList());
        assertEquals(profile, profiles.getProfile(GetProfileRequest.newBuilder().setIdentifier(customer).build()));
        assertEquals(recorded.getProfileId(), profiles.recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(customer).setEvent(Event.newBuilder().setName("app_closed")).build()).getProfileId());
    }

    @Test
    void badInputIsRefusedFieldByFieldAndNothingIsWritten() {
        long before = eventCount();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> profiles.recordEvent(
                RecordEventRequest.newBuilder()
                        .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EMAIL))
                        .setEvent(Event.newBuilder().setName("9 not a name")
                                .setOccurTime(Envelopes.timestamp(Instant.parse("1999-12-31T23:59:59Z"))))
                        .build()));

        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        Set<String> fields = badRequestFields(refused);
        assertEquals(Set.of("identifier.value", "event.name", "event.occur_time"), fields);
        assertEquals(before, eventCount());
    }

    @Test
    void anUnknownProfileIsNotFoundAndAMalformedIdIsInvalid() {
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> profiles.getProfile(
                GetProfileRequest.newBuilder().setProfileId(UUID.randomUUID().toString()).build())).getStatus().getCode());
        StatusRuntimeException malformed = assertThrows(StatusRuntimeException.class,
                () -> profiles.getProfile(GetProfileRequest.newBuilder().setProfileId("nope").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, malformed.getStatus().getCode());
        assertEquals(Set.of("profile_id"), badRequestFields(malformed));
    }

    @Test
    void textsPostgreSQLCannotStoreAreRefusedByNameAndTheRestOfTheBatchIsUnharmed() throws Exception {
        // NUL cannot be stored in text or JSON: refused by field before the batch it would have failed whole.
        var async = ProfileServiceGrpc.newFutureStub(channel);
        Identifier fine = customer();
        var healthy = async.recordEvent(RecordEventRequest.newBuilder().setIdentifier(fine)
                .setEvent(Event.newBuilder().setName("app_opened")).build());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> profiles.recordEvent(RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("nul\u0000id"))
                .setEvent(Event.newBuilder().setName("app_opened").setSource("bad\u0000source")
                        .setProperties(Struct.newBuilder().putFields("note", Value.newBuilder().setStringValue("a\u0000b").build())))
                .build()));
        assertEquals(Set.of("identifier.value", "event.properties", "event.source"), badRequestFields(refused));
        assertFalse(healthy.get(10, java.util.concurrent.TimeUnit.SECONDS).getDuplicate());
    }

    @Test
    void aLookupNeedsExactlyOneOfIdOrIdentifierAndAnUnknownIdentifierIsNotFound() {
        StatusRuntimeException neither = assertThrows(StatusRuntimeException.class,
                () -> profiles.getProfile(GetProfileRequest.newBuilder().build()));
        assertEquals(Set.of("profile_id"), badRequestFields(neither));
        StatusRuntimeException both = assertThrows(StatusRuntimeException.class, () -> profiles.getProfile(GetProfileRequest.newBuilder()
                .setProfileId(UUID.randomUUID().toString()).setIdentifier(customer()).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, both.getStatus().getCode());
        StatusRuntimeException typeless = assertThrows(StatusRuntimeException.class, () -> profiles.getProfile(GetProfileRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setValue("someone")).build()));
        assertEquals(Set.of("identifier.type"), badRequestFields(typeless));
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> profiles.getProfile(GetProfileRequest.newBuilder().setIdentifier(customer()).build())).getStatus().getCode());
    }

    @Test
    void eventsArePagedNewestFirst() {
        Identifier customer = customer();
        Instant start = Instant.now().minusSeconds(3600);
        String profileId = null;
        for (int i = 0; i < 3; i++) {
            profileId = profiles.recordEvent(RecordEventRequest.newBuilder().setIdentifier(customer)
                    .setEvent(Event.newBuilder().setId("e" + i + "-" + UUID.randomUUID()).setName("viewed")
                            .setOccurTime(Envelopes.timestamp(start.plusSeconds(i * 60L))))
                    .build()).getProfileId();
        }
        ListEventsResponse first = profiles.listEvents(ListEventsRequest.newBuilder().setProfileId(profileId).setPageSize(2).build());
        ListEventsResponse second = profiles.listEvents(ListEventsRequest.newBuilder().setProfileId(profileId).setPageSize(2)
                .setPageToken(first.getNextPageToken()).build());

        assertEquals(List.of("e2", "e1"), first.getEventsList().stream().map(e -> e.getId().substring(0, 2)).toList());
        assertEquals(List.of("e0"), second.getEventsList().stream().map(e -> e.getId().substring(0, 2)).toList());
        assertTrue(second.getNextPageToken().isEmpty());
    }

    @Test
    void anEventSentToTheIngestTopicIsStoredOnceEvenWhenSentTwice() throws InvalidProtocolBufferException {
        Identifier customer = customer();
        IngestEvent ingest = IngestEvent.newBuilder()
                .setEnvelope(dev.rapport.proto.common.v1.Envelope.newBuilder().setId(UUID.randomUUID().toString()))
                .setIdentifier(customer)
                .setEvent(Event.newBuilder().setName("cart_abandoned"))
                .build();
        String json = JsonFormat.printer().print(ingest);

        kafka.produceStrings().fromRecords(
                KafkaCompanion.record(TestTopics.of(Topics.PROFILE_INGEST), customer.getValue(), json),
                KafkaCompanion.record(TestTopics.of(Topics.PROFILE_INGEST), customer.getValue(), json)).awaitCompletion();

        String profileId = await().atMost(Duration.ofSeconds(20)).until(() -> profileOf(customer), id -> id != null);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> profiles
                .listEvents(ListEventsRequest.newBuilder().setProfileId(profileId).build()).getEventsCount() == 1);
        Event stored = profiles.listEvents(ListEventsRequest.newBuilder().setProfileId(profileId).build()).getEvents(0);
        assertEquals("cart_abandoned", stored.getName());
        assertEquals("kafka:profile.ingest", stored.getSource());
    }

    @Test
    void anIngestRecordWhoseEnvelopeIdIsNoEventIdIsStillStoredOnce() throws InvalidProtocolBufferException {
        Identifier customer = customer();
        String json = JsonFormat.printer().print(IngestEvent.newBuilder()
                .setEnvelope(dev.rapport.proto.common.v1.Envelope.newBuilder().setId("crm/export/" + UUID.randomUUID()))
                .setIdentifier(customer).setEvent(Event.newBuilder().setName("crm_synced")).build());

        kafka.produceStrings().fromRecords(
                KafkaCompanion.record(TestTopics.of(Topics.PROFILE_INGEST), customer.getValue(), json),
                KafkaCompanion.record(TestTopics.of(Topics.PROFILE_INGEST), customer.getValue(), json)).awaitCompletion();

        String profileId = await().atMost(Duration.ofSeconds(20)).until(() -> profileOf(customer), id -> id != null);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> profiles
                .listEvents(ListEventsRequest.newBuilder().setProfileId(profileId).build()).getEventsCount() == 1);
    }

    private String profileOf(Identifier identifier) {
        var rows = pool.preparedQuery("SELECT profile_id FROM identity WHERE type = $1 AND value = $2")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(identifier.getType().name(), identifier.getValue()))
                .await().atMost(Duration.ofSeconds(5));
        return rows.iterator().hasNext() ? rows.iterator().next().getUUID(0).toString() : null;
    }

    private long eventCount() {
        return pool.query("SELECT count(*) FROM event").execute().await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong(0);
    }

    private static Identifier customer() {
        return Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("customer-" + UUID.randomUUID()).build();
    }

    private static Set<String> badRequestFields(StatusRuntimeException e) {
        return Set.copyOf(GrpcFailures.badRequestFields(e));
    }
}
