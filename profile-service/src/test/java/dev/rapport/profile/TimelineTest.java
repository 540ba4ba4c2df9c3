package dev.rapport.profile;

import static dev.rapport.profile.AttributesTest.customer;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.campaign.v1.CampaignDelivery;
import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.ListTimelineRequest;
import dev.rapport.proto.profile.v1.ListTimelineResponse;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.SupportSummary;
import dev.rapport.proto.profile.v1.TimelineEntry;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class TimelineTest extends CallsProfileService {

    private void send(String topic, String key, Message message) throws Exception {
        String json = JsonFormat.printer().print(message);
        kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(topic), key, json)).awaitCompletion();
    }

    private List<TimelineEntry> timeline(String profileId, int pageSize) {
        List<TimelineEntry> all = new ArrayList<>();
        String token = "";
        do {
            ListTimelineResponse page = profiles.listTimeline(ListTimelineRequest.newBuilder().setProfileId(profileId).setPageSize(pageSize)
                    .setPageToken(token).build());
            all.addAll(page.getEntriesList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    @Test
    void deliveriesAndConversationsJoinTheEventsInTimeOrderOnceEach() throws Exception {
        Instant start = Instant.now().minus(1, ChronoUnit.HOURS);
        String profileId = profiles.recordEvent(RecordEventRequest.newBuilder().setIdentifier(customer())
                .setEvent(Event.newBuilder().setId(UUID.randomUUID().toString()).setName("cart_abandoned").setOccurTime(Envelopes.timestamp(start)))
                .build()).getProfileId();
        String messageId = UUID.randomUUID().toString();
        for (CampaignDelivery.Status status : List.of(CampaignDelivery.Status.SENT, CampaignDelivery.Status.OPENED)) {
            CampaignDelivery delivery = CampaignDelivery.newBuilder().setEnvelope(Envelope.newBuilder().setId(UUID.randomUUID().toString()))
                    .setCampaignId("cart-recovery").setMessageId(messageId).setProfileId(profileId).setChannel("email").setStatus(status)
                    .setStatusTime(Envelopes.timestamp(start.plus(status == CampaignDelivery.Status.SENT ? 10 : 20, ChronoUnit.MINUTES)))
                    .setPurpose("marketing.communications").build();
            send(Topics.CAMPAIGN_DELIVERIES, profileId, delivery);
            send(Topics.CAMPAIGN_DELIVERIES, profileId, delivery); // read twice: once on the timeline
        }
        String conversation = UUID.randomUUID().toString();
        send(Topics.CHAT_CONVERSATIONS, profileId, ConversationEvent.newBuilder().setConversationId(conversation).setProfileId(profileId)
                .setKind(ConversationEvent.Kind.STARTED).setEventTime(Envelopes.timestamp(start.plus(30, ChronoUnit.MINUTES))).build());
        send(Topics.CHAT_CONVERSATIONS, profileId, ConversationEvent.newBuilder().setConversationId(conversation).setProfileId(profileId)
                .setKind(ConversationEvent.Kind.RESOLVED).setSatisfaction(2).setBadExperience(true)
                .setEventTime(Envelopes.timestamp(start.plus(40, ChronoUnit.MINUTES))).build());
        send(Topics.CAMPAIGN_DELIVERIES, UUID.randomUUID().toString(), CampaignDelivery.newBuilder().setMessageId(UUID.randomUUID().toString())
                .setProfileId(UUID.randomUUID().toString()).setStatus(CampaignDelivery.Status.SENT).build()); // nobody we know

        List<TimelineEntry> entries = await().atMost(Duration.ofSeconds(20)).until(() -> timeline(profileId, 2), found -> found.size() == 5);
        assertEquals(List.of("conversation", "conversation", "delivery", "delivery", "event"), entries.stream().map(TimelineEntry::getKind).toList());
        assertEquals("OPENED", entries.get(2).getDetails().getFieldsOrThrow("status").getStringValue());
        assertEquals("cart_abandoned", entries.get(4).getEvent().getName());

        var traits = profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(profileId).build()).getTraits();
        SupportSummary support = traits.getSupport();
        assertEquals(1, support.getConversationCount());
        assertEquals(1, support.getBadExperienceCount());
        assertEquals("resolved", support.getLastOutcome());
        assertEquals(2, support.getLastSatisfaction());
        assertEquals(1, traits.getEngagementByHourOfWeekList().stream().mapToLong(Long::longValue).sum(), "the open counts as engagement, once");

        List<dev.rapport.proto.profile.v1.ProfileExportPart> exported = new ArrayList<>();
        profiles.exportProfile(dev.rapport.proto.profile.v1.ExportProfileRequest.newBuilder().setProfileId(profileId).build())
                .forEachRemaining(exported::add);
        assertEquals(4, exported.stream().filter(dev.rapport.proto.profile.v1.ProfileExportPart::hasTimelineEntry).count(),
                "an access request sees what other services reported too");
    }
}
