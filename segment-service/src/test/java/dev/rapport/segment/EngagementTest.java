package dev.rapport.segment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.proto.segment.v1.SegmentServiceGrpc;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileSchemaStandIn.class)
class EngagementTest {
    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);
    private ManagedChannel channel;
    private SegmentServiceGrpc.SegmentServiceBlockingStub segments;

    @BeforeEach
    void connect() {
        channel = TestChannels.toServiceUnderTest();
        segments = SegmentServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
        kafka.close();
    }

    @Test
    void eachStoredEventCountsOnceEvenWhenItsRecordIsReadTwice() throws InvalidProtocolBufferException {
        String profileId = UUID.randomUUID().toString();
        Instant earlier = Instant.parse("2026-01-01T10:00:00Z");
        Instant later = Instant.parse("2026-01-02T10:00:00Z");
        String placed = recorded(profileId, "order_placed", later);
        String opened = recorded(profileId, "app_opened", earlier);

        kafka.produceStrings().fromRecords(
                KafkaCompanion.record(TestTopics.of(Topics.PROFILE_EVENTS), profileId, placed),
                KafkaCompanion.record(TestTopics.of(Topics.PROFILE_EVENTS), profileId, placed),
                KafkaCompanion.record(TestTopics.of(Topics.PROFILE_EVENTS), profileId, opened)).awaitCompletion();

        Engagement engagement = await().atMost(Duration.ofSeconds(20)).ignoreException(StatusRuntimeException.class)
                .until(() -> engagement(profileId), e -> e.getEventCount() == 2);
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> engagement(profileId).getEventCount() == 2);
        assertEquals(Envelopes.timestamp(earlier), engagement.getFirstSeenTime());
        assertEquals(Envelopes.timestamp(later), engagement.getLastSeenTime());
        assertEquals("order_placed", engagement.getLastEventName());
    }

    @Test
    void aProfileNeverSeenIsNotFound() {
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                () -> engagement(UUID.randomUUID().toString()));
        assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    }

    private Engagement engagement(String profileId) {
        return segments.getEngagement(GetEngagementRequest.newBuilder().setProfileId(profileId).build());
    }

    private static String recorded(String profileId, String name, Instant at) throws InvalidProtocolBufferException {
        String eventId = UUID.randomUUID().toString();
        return JsonFormat.printer().print(ProfileEventRecorded.newBuilder()
                .setEnvelope(Envelope.newBuilder().setId(eventId).setSubject(profileId))
                .setEvent(Event.newBuilder().setId(eventId).setProfileId(profileId).setName(name)
                        .setOccurTime(Envelopes.timestamp(at)))
                .build());
    }
}
