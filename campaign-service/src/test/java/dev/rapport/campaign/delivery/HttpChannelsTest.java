package dev.rapport.campaign.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.campaign.journey.Journeys;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.DeliverySummary;
import dev.rapport.proto.campaign.v1.ExportRecipientRequest;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.ListInboxRequest;
import dev.rapport.proto.campaign.v1.MarkInboxReadRequest;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.SendMessage;
import dev.rapport.proto.campaign.v1.TriggerCampaignRequest;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * Push and SMS through HTTP providers (a local server stands in for both, on the port the test configuration names):
 * one JSON POST per message with the bearer token and the message's id as Idempotency-Key; a provider's 503 is retried
 * (the same message, the same key), its 400 fails the message at once; a channel without a provider sends nothing. An in-app
 * message lands in the person's inbox, which the app lists and marks read; the export shows it, the erasure removes it.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class HttpChannelsTest {
    private record Received(String path, String authorization, String idempotencyKey, JsonObject body) {
    }

    @Inject
    Journeys journeys;
    @Inject
    Broadcasts broadcasts;
    @Inject
    dev.rapport.campaign.privacy.Recipients recipients;

    /** Opened when profile-service may answer (ProfileStandIn). */
    ProfileStandIn.Gate profileServiceAnswers;

    private HttpServer providers;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    /** The statuses the providers answer, in turn; 200 once none is left. */
    private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();
    private ManagedChannel channel;
    private CampaignServiceGrpc.CampaignServiceBlockingStub campaigns;

    @BeforeEach
    void start() throws IOException {
        profileServiceAnswers.open();
        channel = TestChannels.toServiceUnderTest();
        campaigns = CampaignServiceGrpc.newBlockingStub(channel);
        providers = HttpServer.create(new InetSocketAddress("127.0.0.1", 18975), 0);
        providers.createContext("/", exchange -> {
            received.add(new Received(exchange.getRequestURI().getPath(), exchange.getRequestHeaders().getFirst("Authorization"),
                    exchange.getRequestHeaders().getFirst("Idempotency-Key"),
                    new JsonObject(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))));
            Integer status = answers.poll();
            exchange.sendResponseHeaders(status == null ? 200 : status, -1);
            exchange.close();
        });
        providers.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        providers.stop(0);
        TestChannels.close(channel);
    }

    @Test
    void aPushGoesToItsProviderWithTheTokenAndTheMessagesIdAsIdempotencyKey() {
        String push = activated("push", "Your rider is near, {{ event.name }}");
        UUID person = UUID.randomUUID();
        trigger(push, person, "Ana");
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> summary(push).getSent() == 1);

        assertEquals(1, received.size(), received.toString());
        Received call = received.get(0);
        assertEquals("/push", call.path());
        assertEquals("Bearer test-push-token", call.authorization());
        assertTrue(call.idempotencyKey().startsWith(push + "." + person + "."), call.idempotencyKey());
        assertEquals("push-" + person, call.body().getString("to"));
        assertEquals("Your rider is near, Ana", call.body().getJsonObject("notification").getString("title"));
        assertEquals(call.idempotencyKey(), call.body().getString("message_id"));
    }

    @Test
    void anSmsRefusedForNowIsRetriedAsTheSameMessageAndOneRefusedForGoodFailsAtOnce() {
        String sms = activated("sms", "Order on its way");
        UUID retried = UUID.randomUUID();
        answers.add(503);
        trigger(sms, retried, "Bo");
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> summary(sms).getSent() == 1);
        assertEquals(2, received.size(), "tried, then retried: " + received);
        assertEquals(received.get(0).idempotencyKey(), received.get(1).idempotencyKey(), "the same message both times");
        assertEquals("+447700900123", received.get(1).body().getString("to"));
        assertEquals("Order on its way", received.get(1).body().getString("text"));

        answers.add(400);
        trigger(sms, UUID.randomUUID(), "Cy");
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> summary(sms).getFailed() == 1);
        assertEquals(3, received.size(), "not retried: " + received);
        assertEquals(Map.of("the sms provider refused it (400)", 1L), summary(sms).getReasonsMap());
    }

    @Test
    void aChannelWithoutAProviderSendsNothingAndSaysWhy() {
        String webhook = activated("webhook", "Hello");
        trigger(webhook, UUID.randomUUID(), "Di");
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> summary(webhook).getSkipped() == 1);
        assertEquals(Map.of("the webhook channel has no provider (rapport.campaign.providers.webhook.url)", 1L), summary(webhook).getReasonsMap());
        assertEquals(0, received.size());
    }

    @Test
    void anInAppMessageLandsInTheInboxOnceAndIsReadThere() {
        String inApp = activated("in_app", "Your voucher, {{ event.name }}");
        UUID person = UUID.randomUUID();
        trigger(inApp, person, "Fi");
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> summary(inApp).getSent() == 1);

        var inbox = campaigns.listInbox(ListInboxRequest.newBuilder().setProfileId(person.toString()).build());
        assertEquals(1, inbox.getUnread());
        assertEquals(List.of("Your voucher, Fi"), inbox.getMessagesList().stream().map(m -> m.getTitle()).toList());
        String message = inbox.getMessages(0).getMessageId();
        assertTrue(campaigns.markInboxRead(MarkInboxReadRequest.newBuilder().setProfileId(person.toString()).setMessageId(message).build()).hasReadTime());
        assertTrue(campaigns.markInboxRead(MarkInboxReadRequest.newBuilder().setProfileId(person.toString()).setMessageId(message).build()).hasReadTime(),
                "read twice: still read");
        assertEquals(0, campaigns.listInbox(ListInboxRequest.newBuilder().setProfileId(person.toString()).setUnreadOnly(true).build()).getMessagesCount());
        assertEquals(io.grpc.Status.Code.NOT_FOUND, org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
                () -> campaigns.markInboxRead(MarkInboxReadRequest.newBuilder().setProfileId(UUID.randomUUID().toString()).setMessageId(message).build()))
                .getStatus().getCode(), "someone else's message is not found");
        assertEquals(1, campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(person.toString()).build()).getInboxCount());

        recipients.erase(person).await().atMost(java.time.Duration.ofSeconds(10));
        assertEquals(Map.of(), recipients.held(person).await().atMost(java.time.Duration.ofSeconds(10)));
        assertEquals(0, campaigns.listInbox(ListInboxRequest.newBuilder().setProfileId(person.toString()).build()).getMessagesCount());
    }

    private String activated(String channel, String subject) {
        Campaign created = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName(channel + " " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel(channel).setDefaultLocale("en")
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine(subject).setBody(subject))
                .setJourney(Journey.newBuilder().setApiTrigger(true).addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))))
                .build());
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(created.getId()).setStatus(Campaign.Status.ACTIVE).build());
        return created.getId();
    }

    private void trigger(String campaign, UUID person, String name) {
        assertTrue(campaigns.triggerCampaign(TriggerCampaignRequest.newBuilder().setCampaignId(campaign).setProfileId(person.toString())
                .setTriggerId("t-" + person).setProperties(com.google.protobuf.Struct.newBuilder().putFields("name",
                        com.google.protobuf.Value.newBuilder().setStringValue(name).build())).build()).getEntered());
    }

    private DeliverySummary summary(String campaign) {
        return campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(campaign).build());
    }
}
