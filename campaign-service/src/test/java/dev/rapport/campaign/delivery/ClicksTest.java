package dev.rapport.campaign.delivery;

import static dev.rapport.campaign.ProfileStandIn.emailOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.campaign.journey.Journeys;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.ExportRecipientRequest;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.RecordClickRequest;
import dev.rapport.proto.campaign.v1.SendMessage;
import dev.rapport.proto.campaign.v1.TriggerCampaignRequest;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.TestTopics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.ManagedChannel;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/**
 * Tracked links: an email's links go through the signed /r redirect; following one counts on the message once per
 * person (however often), shows in the summary and the export, and is announced once as CLICKED; a forged token counts
 * nothing and redirects nowhere.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class ClicksTest {
    private static final Pattern TRACKED = Pattern.compile("http://localhost:8080/r\\?t=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)");

    @Inject
    Journeys journeys;
    @Inject
    Broadcasts broadcasts;
    @Inject
    Clicks clicks;
    @Inject
    MockMailbox mailbox;
    @Inject
    dev.rapport.privacy.ConsentView consent;

    /** Opened when profile-service may answer (ProfileStandIn). */
    ProfileStandIn.Gate profileServiceAnswers;

    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);
    private ManagedChannel channel;
    private CampaignServiceGrpc.CampaignServiceBlockingStub campaigns;

    @BeforeEach
    void connect() {
        profileServiceAnswers.open();
        channel = TestChannels.toServiceUnderTest();
        campaigns = CampaignServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        kafka.close();
        TestChannels.close(channel);
    }

    @Test
    void eachLinkOfTheTextIsTrackedAndASentencesPunctuationStaysOutside() {
        String tracked = clicks.track("See https://mealtide.example/menu?day=mon&x=1. Or (https://mealtide.example/a.b), or none.", "c.p");
        Matcher links = TRACKED.matcher(tracked);
        assertTrue(links.find());
        assertTrue(tracked.startsWith("See http://localhost:8080/r?t="), tracked);
        assertTrue(links.find());
        assertFalse(links.find());
        assertTrue(tracked.contains(". Or (http://localhost:8080/r?t=") && tracked.endsWith("), or none."), tracked);
        assertFalse(tracked.contains("mealtide.example"), "the destination is inside the signed token only");
    }

    @Test
    void aFollowedLinkCountsOnItsMessageOnceAndIsAnnouncedOnceAndAForgedOneCountsNothing() throws Exception {
        Campaign created = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("dispatched " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email").setDefaultLocale("en")
                .setTrackClicks(true)
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("On its way")
                        .setBody("Follow it at https://mealtide.example/orders/A-9. Thanks!"))
                .setJourney(Journey.newBuilder().setApiTrigger(true).addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))))
                .build());
        String id = created.getId();
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(id).setStatus(Campaign.Status.ACTIVE).build());
        UUID person = UUID.randomUUID();
        campaigns.triggerCampaign(TriggerCampaignRequest.newBuilder().setCampaignId(id).setProfileId(person.toString()).setTriggerId("t-" + person).build());
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> !mailbox.getMailsSentTo(emailOf(person.toString())).isEmpty());
        String body = mailbox.getMailsSentTo(emailOf(person.toString())).get(0).getText();
        Matcher link = TRACKED.matcher(body);
        assertTrue(link.find(), body);
        assertTrue(body.endsWith(". Thanks!"), body);
        var announced = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.CAMPAIGN_DELIVERIES));

        for (int i = 0; i < 2; i++) {
            assertEquals("https://mealtide.example/orders/A-9", campaigns.recordClick(RecordClickRequest.newBuilder().setToken(link.group(1)).build()).getUrl());
        }
        assertEquals(1, campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(id).build()).getClicked());
        var export = campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(person.toString()).build());
        assertEquals(2, export.getDeliveries(0).getClicks());
        assertTrue(export.getDeliveries(0).hasFirstClickTime());

        await().atMost(Duration.ofSeconds(30)).until(() -> announced.getRecords().stream()
                .anyMatch(r -> r.key().equals(person.toString()) && r.value().contains("\"CLICKED\"")));
        Thread.sleep(1500);
        assertEquals(1, announced.getRecords().stream().filter(r -> r.key().equals(person.toString()) && r.value().contains("\"CLICKED\"")).count());
        announced.stop();

        String forged = link.group(1).substring(0, link.group(1).indexOf('.')) + ".AAAA";
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> campaigns.recordClick(RecordClickRequest.newBuilder().setToken(forged).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertEquals(List.of("token"), dev.rapport.testing.GrpcFailures.badRequestFields(refused));
    }

    @Test
    void theOpenImageGoesOnlyToSomeoneWhoAllowsMeasuringCountsOnceAndTheHtmlKeepsTheirDataText() throws Exception {
        UUID allows = UUID.randomUUID();
        UUID declines = UUID.randomUUID();
        consentState(allows, true, 1);
        consentState(declines, false, 1);
        Campaign created = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("rated " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email").setDefaultLocale("en")
                .setTrackOpens(true)
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("Your order")
                        .setBody("Your dish {{ event.dish }} is ready.\nRate it at https://mealtide.example/rate?o=A-9&x=1"))
                .setJourney(Journey.newBuilder().setApiTrigger(true).addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))))
                .build());
        String id = created.getId();
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(id).setStatus(Campaign.Status.ACTIVE).build());
        for (UUID person : List.of(allows, declines)) {
            campaigns.triggerCampaign(TriggerCampaignRequest.newBuilder().setCampaignId(id).setProfileId(person.toString()).setTriggerId("t-" + person)
                    .setProperties(com.google.protobuf.Struct.newBuilder().putFields("dish", com.google.protobuf.Value.newBuilder()
                            .setStringValue("<img src=x onerror=alert(1)>").build())).build());
        }
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> !mailbox.getMailsSentTo(emailOf(allows.toString())).isEmpty()
                && !mailbox.getMailsSentTo(emailOf(declines.toString())).isEmpty());
        String html = mailbox.getMailsSentTo(emailOf(allows.toString())).get(0).getHtml();
        assertTrue(html.contains("Your dish &lt;img src=x onerror=alert(1)&gt; is ready."), html);
        assertTrue(html.contains("<a href=\"https://mealtide.example/rate?o=A-9&amp;x=1\">"), html);
        Matcher image = Pattern.compile("http://localhost:8080/o\\?t=([A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+)").matcher(html);
        assertTrue(image.find(), html);
        String other = mailbox.getMailsSentTo(emailOf(declines.toString())).get(0).getHtml();
        assertTrue(other.contains("Rate it at") && !other.contains("/o?t="), "no basis for measuring: no open image: " + other);
        assertTrue(mailbox.getMailsSentTo(emailOf(allows.toString())).get(0).getText().startsWith("Your dish <img"), "the text part is the text");

        var announced = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.CAMPAIGN_DELIVERIES));
        for (int i = 0; i < 2; i++) {
            campaigns.recordOpen(dev.rapport.proto.campaign.v1.RecordOpenRequest.newBuilder().setToken(image.group(1)).build());
        }
        assertEquals(1, campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(id).build()).getOpened());
        var export = campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(allows.toString()).build());
        assertEquals(2, export.getDeliveries(0).getOpens());
        assertTrue(export.getDeliveries(0).hasFirstOpenTime());
        await().atMost(Duration.ofSeconds(30)).until(() -> announced.getRecords().stream()
                .anyMatch(r -> r.key().equals(allows.toString()) && r.value().contains("\"OPENED\"")));
        Thread.sleep(1500);
        assertEquals(1, announced.getRecords().stream().filter(r -> r.key().equals(allows.toString()) && r.value().contains("\"OPENED\"")).count());
        announced.stop();

        // once she withdraws, opening the mail again is not counted
        consentState(allows, false, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> consent.of(allows.toString()).version() == 2);
        campaigns.recordOpen(dev.rapport.proto.campaign.v1.RecordOpenRequest.newBuilder().setToken(image.group(1)).build());
        assertEquals(2, campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(allows.toString()).build())
                .getDeliveries(0).getOpens());

        // a link's token is no open, and a forged one counts nothing
        String linkToken = new dev.rapport.privacy.TrackingTokens("local-development-unsubscribe-key").token(
                id + "." + allows, "https://mealtide.example/");
        for (String bad : List.of(linkToken, image.group(1).substring(0, image.group(1).indexOf('.')) + ".AAAA")) {
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> campaigns.recordOpen(dev.rapport.proto.campaign.v1.RecordOpenRequest.newBuilder().setToken(bad).build()));
            assertEquals(List.of("token"), dev.rapport.testing.GrpcFailures.badRequestFields(refused));
        }
    }

    /** The person's consent state under the GDPR (Spain): measuring campaigns (analytics) granted or not. */
    private void consentState(UUID person, boolean measuring, long version) throws Exception {
        var state = dev.rapport.proto.privacy.v1.ConsentState.newBuilder().setSubject(person.toString()).setVersion(version).setJurisdiction("ES");
        if (measuring) {
            state.addPurposes(dev.rapport.proto.privacy.v1.PurposeConsent.newBuilder().setPurpose("analytics.reporting.campaign_insights")
                    .setGranted(true).setMethod("form").setDecisionTime(dev.rapport.runtime.event.Envelopes.timestamp(java.time.Instant.now())));
        }
        kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.PRIVACY_CONSENT), person.toString(),
                com.google.protobuf.util.JsonFormat.printer().print(state))).awaitCompletion(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> consent.of(person.toString()) != null);
    }
}
