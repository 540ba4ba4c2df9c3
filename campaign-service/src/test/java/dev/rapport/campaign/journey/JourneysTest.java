package dev.rapport.campaign.journey;

import static dev.rapport.campaign.ProfileStandIn.emailOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;


import dev.rapport.campaign.ProfileEvents;
import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.campaign.delivery.Broadcasts;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.ExportRecipientRequest;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.SendMessage;
import dev.rapport.proto.campaign.v1.TriggerCampaignRequest;
import dev.rapport.proto.campaign.v1.TriggerCampaignResponse;
import dev.rapport.proto.campaign.v1.WaitForEvent;
import dev.rapport.proto.segment.v1.SegmentMembershipChanged;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.GrpcFailures;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.TestTopics;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A payment-failed journey against real PostgreSQL and Kafka: events on profile.events start runs, the payment that
 * comes in time takes its person out, the timeout sends the message with the trigger's properties, and a replayed or
 * stale trigger starts nothing. The timers and sends are driven here (this module's tests do not tick on their own).
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class JourneysTest {
    @Inject
    Journeys journeys;
    @Inject
    Broadcasts broadcasts;
    @Inject
    AttributeUpdates attributeUpdates;
    @Inject
    MockMailbox mailbox;
    @Inject
    Pool pool;

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
    void aFailedPaymentNotPaidInTimeGetsOneMessageWithItsAmountAndAPaymentInTimeGetsNone() throws Exception {
        Campaign created = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("payment failed " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                .setPriority(80).setDefaultLocale("en")
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("Your payment of {{ event.amount }} € did not go through")
                        .setBody("Please update your card, order {{ event.order_id | default: 'unknown' }}."))
                .setJourney(Journey.newBuilder().setTriggerEvent("payment_failed")
                        .addSteps(JourneyStep.newBuilder().setWaitForEvent(WaitForEvent.newBuilder().setEvent("payment_succeeded")
                                .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(2))
                                .setOnEvent(WaitForEvent.Then.EXIT).setOnTimeout(WaitForEvent.Then.CONTINUE)))
                        .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance())))).build());
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(created.getId()).setStatus(Campaign.Status.ACTIVE).build());
        String id = created.getId();

        UUID late = UUID.randomUUID();
        UUID paid = UUID.randomUUID();
        UUID stale = UUID.randomUUID();
        Instant now = Instant.now();
        var trigger = ProfileEvents.recorded(late, "pf-" + late, "payment_failed", now, Map.of("amount", 42.5, "order_id", "A-17"));
        publish(trigger, trigger, // read twice: one run
                ProfileEvents.recorded(paid, "pf-" + paid, "payment_failed", now, Map.of("amount", 10)),
                ProfileEvents.recorded(paid, "ps-" + paid, "payment_succeeded", now.plusMillis(500), Map.of()),
                // two days old (history loaded late): starts nothing
                ProfileEvents.recorded(stale, "pf-" + stale, "payment_failed", now.minus(Duration.ofDays(2)), Map.of("amount", 5)));

        await().atMost(Duration.ofSeconds(30)).until(() -> runs(id) == 2 && status(paid).equals("exited"));
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> !mailbox.getMailsSentTo(emailOf(late.toString())).isEmpty());
        // Nothing more is due: more rounds send nothing again.
        journeys.takeDueSteps().await().atMost(Duration.ofSeconds(10));
        broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));

        var mails = mailbox.getMailsSentTo(emailOf(late.toString()));
        assertEquals(1, mails.size());
        assertEquals("Your payment of 42.5 € did not go through", mails.get(0).getSubject());
        assertEquals("Please update your card, order A-17.", mails.get(0).getText());
        assertTrue(mails.get(0).getHeaders().get("Message-ID").get(0).startsWith("<" + id + "."), "one Message-ID per run and step");
        assertEquals(null, mails.get(0).getHeaders().get("List-Unsubscribe"), "transactional: no unsubscribe");
        assertEquals(0, mailbox.getMailsSentTo(emailOf(paid.toString())).size());
        assertEquals(0, mailbox.getMailsSentTo(emailOf(stale.toString())).size());

        // Announced for the timeline: the message sent, under the id of its Message-ID.
        var announced = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.CAMPAIGN_DELIVERIES));
        await().atMost(Duration.ofSeconds(30)).until(() -> announced.getRecords().stream()
                .anyMatch(r -> r.key().equals(late.toString()) && r.value().contains("\"SENT\"") && r.value().contains(id)));
        announced.stop();

        var summary = campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(id).build());
        assertEquals(Map.of("completed", 1L, "exited (payment_succeeded at step 1)", 1L), summary.getJourneyRunsMap());
        assertEquals(1, summary.getSent());

        var export = campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(late.toString()).build());
        assertEquals(1, export.getJourneyRunsCount());
        assertEquals(42.5, export.getJourneyRuns(0).getTriggerProperties().getFieldsOrThrow("amount").getNumberValue());
        assertEquals(1, export.getDeliveriesCount());
    }

    @Test
    void aPartnerAppsTriggerAndASegmentEntryEachStartARunWithTheirOwnPayloadOnce() throws Exception {
        String api = activated(Journey.newBuilder().setApiTrigger(true), "Your order {{ event.order_id }} is on its way");
        UUID rider = UUID.randomUUID();
        TriggerCampaignRequest trigger = TriggerCampaignRequest.newBuilder().setCampaignId(api).setProfileId(rider.toString())
                .setTriggerId("dispatch-" + rider).setProperties(com.google.protobuf.Struct.newBuilder()
                        .putFields("order_id", com.google.protobuf.Value.newBuilder().setStringValue("A-9").build())).build();
        assertEquals(TriggerCampaignResponse.newBuilder().setEntered(true).build(), campaigns.triggerCampaign(trigger));
        // the partner app retries (its answer was lost): the same answer, no second run
        assertEquals(TriggerCampaignResponse.newBuilder().setEntered(true).build(), campaigns.triggerCampaign(trigger));

        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> campaigns.triggerCampaign(trigger.toBuilder()
                .setProfileId("someone").setTriggerId("").build()));
        assertEquals(List.of("profile_id", "trigger_id"), GrpcFailures.badRequestFields(bad));
        String byEvent = activated(Journey.newBuilder().setTriggerEvent("order_late"), "Sorry");
        StatusRuntimeException notByApi = assertThrows(StatusRuntimeException.class, () -> campaigns.triggerCampaign(trigger.toBuilder()
                .setCampaignId(byEvent).build()));
        assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, notByApi.getStatus().getCode());

        // Entering the segment starts a run (read twice: once); leaving it starts nothing.
        UUID segment = UUID.randomUUID();
        String welcome = activated(Journey.newBuilder().setTriggerSegmentId(segment.toString()), "Welcome to the club ({{ event.segment_version }})");
        UUID member = UUID.randomUUID();
        UUID leaver = UUID.randomUUID();
        var entered = membership(segment, member, SegmentMembershipChanged.Transition.ENTERED);
        publish(entered, entered, membership(segment, leaver, SegmentMembershipChanged.Transition.EXITED));
        await().atMost(Duration.ofSeconds(30)).until(() -> runs(welcome) == 1);

        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> !mailbox.getMailsSentTo(emailOf(rider.toString())).isEmpty()
                && !mailbox.getMailsSentTo(emailOf(member.toString())).isEmpty());
        assertEquals(List.of("Your order A-9 is on its way"), mailbox.getMailsSentTo(emailOf(rider.toString())).stream().map(m -> m.getSubject()).toList());
        assertEquals(List.of("Welcome to the club (3)"), mailbox.getMailsSentTo(emailOf(member.toString())).stream().map(m -> m.getSubject()).toList());
        assertEquals(0, mailbox.getMailsSentTo(emailOf(leaver.toString())).size());
    }

    @Test
    void aSplitABranchOnASegmentAndAttributeUpdatesTakeEachPersonTheirWay() throws Exception {
        UUID vip = UUID.randomUUID();
        // 1 split (paths a and b, both on), 2 branch: in the VIP segment, else to 4; 3 set welcome_tier; 4 send;
        // 5 set an attribute the schema lacks (refused, and the run goes on)
        Campaign created = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("welcome " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                .setDefaultLocale("en").addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("Welcome").setBody("Hello."))
                .setJourney(Journey.newBuilder().setApiTrigger(true)
                        .addSteps(JourneyStep.newBuilder().setSplit(dev.rapport.proto.campaign.v1.Split.newBuilder()
                                .addPaths(dev.rapport.proto.campaign.v1.SplitPath.newBuilder().setName("a").setPercent(50))
                                .addPaths(dev.rapport.proto.campaign.v1.SplitPath.newBuilder().setName("b").setPercent(50))))
                        .addSteps(JourneyStep.newBuilder().setBranch(dev.rapport.proto.campaign.v1.Branch.newBuilder()
                                .setInSegment(vip.toString()).setElseGoToStep(4)))
                        .addSteps(JourneyStep.newBuilder().setUpdateAttribute(dev.rapport.proto.campaign.v1.UpdateAttribute.newBuilder()
                                .setAttribute("welcome_tier").setValue(com.google.protobuf.Value.newBuilder().setStringValue("vip"))))
                        .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
                        .addSteps(JourneyStep.newBuilder().setUpdateAttribute(dev.rapport.proto.campaign.v1.UpdateAttribute.newBuilder()
                                .setAttribute("unknown_attribute").setValue(com.google.protobuf.Value.newBuilder().setBoolValue(true)))))).build());
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(created.getId()).setStatus(Campaign.Status.ACTIVE).build());
        String id = created.getId();
        UUID member = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        ProfileStandIn.SEGMENTS.put(member.toString(), java.util.Set.of(vip.toString()));
        for (UUID person : List.of(member, other)) {
            assertTrue(campaigns.triggerCampaign(TriggerCampaignRequest.newBuilder().setCampaignId(id).setProfileId(person.toString())
                    .setTriggerId("signup-" + person).build()).getEntered());
        }
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> !mailbox.getMailsSentTo(emailOf(member.toString())).isEmpty()
                && !mailbox.getMailsSentTo(emailOf(other.toString())).isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            attributeUpdates.applyDue().await().atMost(Duration.ofSeconds(10));
            return updates(id).equals(Map.of("welcome_tier/applied", 1L, "unknown_attribute/refused", 2L));
        });
        var asked = ProfileStandIn.UPDATES.stream().filter(u -> u.getSource().equals("campaign:" + id)).toList();
        assertEquals(List.of(member.toString()), asked.stream().map(u -> u.getProfileId()).toList(), "only the VIP got the tier");
        assertEquals("vip", asked.get(0).getAttributesOrThrow("welcome_tier").getStringValue());
        // more rounds apply nothing again
        attributeUpdates.applyDue().await().atMost(Duration.ofSeconds(10));
        assertEquals(1, ProfileStandIn.UPDATES.stream().filter(u -> u.getSource().equals("campaign:" + id)).count());

        Map<String, Long> summary = campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(id).build()).getJourneyRunsMap();
        assertEquals(1L, summary.get("update welcome_tier: applied"), summary.toString());
        assertEquals(2L, summary.get("update unknown_attribute: refused"), summary.toString());
        assertEquals(2L, summary.entrySet().stream().filter(e -> e.getKey().matches("completed via [ab]")).mapToLong(Map.Entry::getValue).sum(),
                summary.toString());
        // the access export shows the path and what was set
        var run = campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(member.toString()).build()).getJourneyRunsList()
                .stream().filter(r -> r.getCampaignId().equals(id)).findFirst().orElseThrow();
        assertTrue(run.getPath().equals("a") || run.getPath().equals("b"), run.getPath());
        assertEquals(List.of("welcome_tier/applied/vip", "unknown_attribute/refused/"), run.getAttributeUpdatesList().stream()
                .map(u -> u.getAttribute() + "/" + u.getState() + "/" + u.getValue().getStringValue()).toList());
        var refused = pool.preparedQuery("SELECT detail FROM attribute_update WHERE campaign_id = $1 AND state = 'refused'")
                .execute(Tuple.of(UUID.fromString(id))).await().atMost(Duration.ofSeconds(5));
        assertEquals("attributes.unknown_attribute: no such attribute in the schema", refused.iterator().next().getString("detail"));
    }

    private Map<String, Long> updates(String campaign) {
        Map<String, Long> updates = new java.util.HashMap<>();
        pool.preparedQuery("SELECT attribute, state, count(*) AS n FROM attribute_update WHERE campaign_id = $1 GROUP BY attribute, state")
                .execute(Tuple.of(UUID.fromString(campaign))).await().atMost(Duration.ofSeconds(5))
                .forEach(row -> updates.put(row.getString("attribute") + "/" + row.getString("state"), row.getLong("n")));
        return updates;
    }

    /** An active transactional journey with this trigger, sending one message at once. */
    private String activated(Journey.Builder trigger, String subject) {
        Campaign created = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("triggered " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                .setDefaultLocale("en").addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine(subject).setBody("Thanks."))
                .setJourney(trigger.addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance())))).build());
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(created.getId()).setStatus(Campaign.Status.ACTIVE).build());
        return created.getId();
    }

    /** A change of membership as segment-service announces it on segment.membership. */
    private static org.apache.kafka.clients.producer.ProducerRecord<String, String> membership(UUID segment, UUID person,
            SegmentMembershipChanged.Transition transition) throws Exception {
        return KafkaCompanion.record(TestTopics.of(Topics.SEGMENT_MEMBERSHIP), person.toString(), com.google.protobuf.util.JsonFormat.printer()
                .print(SegmentMembershipChanged.newBuilder()
                        .setEnvelope(dev.rapport.proto.common.v1.Envelope.newBuilder().setId("m-" + UUID.randomUUID()))
                        .setSegmentId(segment.toString()).setSegmentVersion(3).setProfileId(person.toString()).setTransition(transition)
                        .setTransitionTime(dev.rapport.runtime.event.Envelopes.timestamp(Instant.now())).build()));
    }

    private long runs(String campaign) {
        return pool.preparedQuery("SELECT count(*) AS n FROM journey_run WHERE campaign_id = $1").execute(Tuple.of(UUID.fromString(campaign)))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("n");
    }

    private String status(UUID person) {
        var rows = pool.preparedQuery("SELECT status FROM journey_run WHERE profile_id = $1").execute(Tuple.of(person))
                .await().atMost(Duration.ofSeconds(5));
        return rows.size() == 0 ? "" : rows.iterator().next().getString("status");
    }

    @SafeVarargs
    private void publish(org.apache.kafka.clients.producer.ProducerRecord<String, String>... records) {
        kafka.produceStrings().fromRecords(records).awaitCompletion(Duration.ofSeconds(30));
    }
}
