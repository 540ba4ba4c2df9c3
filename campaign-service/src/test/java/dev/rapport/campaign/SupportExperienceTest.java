package dev.rapport.campaign;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.campaign.support.SupportExperiences;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.GetMarketingHoldRequest;
import dev.rapport.proto.campaign.v1.MarketingHold;
import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import dev.rapport.testing.TestChannels;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class) // the same resources as every test class here: one app, started once
class SupportExperienceTest {
    @Inject
    SupportExperiences experiences;

    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);

    @AfterEach
    void close() {
        kafka.close();
    }

    @Test
    void theLatestBadExperienceIsKeptWhateverTheOrderAndRepetitionOfRecords() throws InvalidProtocolBufferException {
        UUID profile = UUID.randomUUID();
        Instant first = Instant.parse("2026-03-01T09:00:00Z");
        Instant second = Instant.parse("2026-03-02T09:00:00Z");
        String good = conversation(profile, "c0", Instant.parse("2026-03-03T09:00:00Z"), false);
        String late = conversation(profile, "c2", second, true);
        String early = conversation(profile, "c1", first, true);

        kafka.produceStrings().fromRecords(
                KafkaCompanion.record(TestTopics.of(Topics.CHAT_CONVERSATIONS), profile.toString(), late),
                KafkaCompanion.record(TestTopics.of(Topics.CHAT_CONVERSATIONS), profile.toString(), early),
                KafkaCompanion.record(TestTopics.of(Topics.CHAT_CONVERSATIONS), profile.toString(), late),
                KafkaCompanion.record(TestTopics.of(Topics.CHAT_CONVERSATIONS), profile.toString(), good)).awaitCompletion();

        await().atMost(Duration.ofSeconds(20)).until(() -> lastBad(profile).isPresent());
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> lastBad(profile).equals(Optional.of(second)));
        assertEquals(Optional.of(second), lastBad(profile));
    }

    @Test
    void marketingIsHeldForThreeDaysAfterABadExperienceAndNotAfterAGoodOne() throws Exception {
        UUID unhappy = UUID.randomUUID();
        UUID happy = UUID.randomUUID();
        Instant anHourAgo = Instant.now().minusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.MICROS); // PostgreSQL keeps microseconds
        kafka.produceStrings().fromRecords(
                KafkaCompanion.record(TestTopics.of(Topics.CHAT_CONVERSATIONS), unhappy.toString(), conversation(unhappy, "sad", anHourAgo, true)),
                KafkaCompanion.record(TestTopics.of(Topics.CHAT_CONVERSATIONS), happy.toString(), conversation(happy, "glad", anHourAgo, false)))
                .awaitCompletion();
        var channel = TestChannels.toServiceUnderTest();
        try {
            var campaigns = CampaignServiceGrpc.newBlockingStub(channel);
            MarketingHold hold = await().atMost(Duration.ofSeconds(20)).until(
                    () -> campaigns.getMarketingHold(GetMarketingHoldRequest.newBuilder().setProfileId(unhappy.toString()).build()),
                    MarketingHold::getHeld);
            assertEquals(Envelopes.timestamp(anHourAgo.plus(Duration.ofHours(72))), hold.getUntilTime());
            assertEquals("sad", hold.getConversationId());
            assertFalse(campaigns.getMarketingHold(GetMarketingHoldRequest.newBuilder().setProfileId(happy.toString()).build()).getHeld());
        } finally {
            TestChannels.close(channel);
        }
    }

    private Optional<Instant> lastBad(UUID profile) {
        return experiences.lastBad(profile).await().atMost(Duration.ofSeconds(5)).map(SupportExperiences.BadExperience::time);
    }

    private static String conversation(UUID profile, String id, Instant at, boolean bad) throws InvalidProtocolBufferException {
        return JsonFormat.printer().print(ConversationEvent.newBuilder()
                .setConversationId(id).setProfileId(profile.toString())
                .setKind(bad ? ConversationEvent.Kind.ABANDONED : ConversationEvent.Kind.RESOLVED)
                .setEventTime(Envelopes.timestamp(at)).setBadExperience(bad)
                .build());
    }
}
