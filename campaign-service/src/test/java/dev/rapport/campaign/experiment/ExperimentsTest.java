package dev.rapport.campaign.experiment;

import static dev.rapport.campaign.ProfileStandIn.emailOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.rapport.campaign.ProfileEvents;
import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.campaign.delivery.Broadcasts;
import dev.rapport.proto.campaign.v1.ArmResult;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.Experiment;
import dev.rapport.proto.campaign.v1.ExperimentArm;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.proto.campaign.v1.GetExperimentResultsRequest;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * An A/B test with a control group against real PostgreSQL and Kafka: each person's arm is fixed by the hash, arm A
 * and B get their own message, the control group nothing (held out after every check), and order_placed events on
 * profile.events within the window count once as conversions; the results compare each arm with the control group.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class ExperimentsTest {
    private static final int PEOPLE = 60;

    @Inject
    Broadcasts broadcasts;
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
    void eachArmGetsItsMessageTheControlGroupNothingAndConversionsCountOnceWithinTheWindow() throws Exception {
        Campaign campaign = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("subject line test " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                .setSegmentId(UUID.randomUUID().toString()).setPriority(10).setDefaultLocale("en")
                .setExperiment(Experiment.newBuilder().setConversionEvent("order_placed")
                        .setConversionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(3600))
                        .addArms(arm("A", "Your order, faster"))
                        .addArms(arm("B", "Dinner in 20 minutes"))
                        .addArms(ExperimentArm.newBuilder().setName("control").setWeight(1).setControl(true)))).build());
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(campaign.getId()).setStatus(Campaign.Status.ACTIVE).build());
        UUID id = UUID.fromString(campaign.getId());
        List<UUID> people = new ArrayList<>();
        for (int i = 0; i < PEOPLE; i++) {
            people.add(UUID.nameUUIDFromBytes((campaign.getId() + "/" + i).getBytes(StandardCharsets.UTF_8)));
        }
        pool.preparedQuery("INSERT INTO delivery (campaign_id, profile_id, status) SELECT $1, p, 'planned' FROM unnest($2::uuid[]) AS p")
                .execute(Tuple.of(id, people.toArray(UUID[]::new))).await().atMost(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
            return campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(campaign.getId()).build()).getPlanned() == 0;
        });

        // Everyone's arm is the hash's, and their mail (or none) says so.
        int[] sizes = new int[3];
        for (UUID person : people) {
            int arm = Experiments.arm(campaign, person);
            sizes[arm]++;
            var mails = mailbox.getMailsSentTo(emailOf(person.toString()));
            assertEquals(arm == 2 ? List.of() : List.of(arm == 0 ? "Your order, faster" : "Dinner in 20 minutes"),
                    mails.stream().map(m -> m.getSubject()).toList());
        }
        assertTrue(sizes[0] > 8 && sizes[1] > 8 && sizes[2] > 8, "the hash spreads people by weight: " + java.util.Arrays.toString(sizes));
        var summary = campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(campaign.getId()).build());
        assertEquals(sizes[2], summary.getHeldOut());
        assertEquals(sizes[0] + sizes[1], summary.getSent());

        // Orders: everyone in A, nobody in B, half the control group; one of A's twice; one from before the message.
        Instant now = Instant.now();
        List<ProducerRecord<String, String>> orders = new ArrayList<>();
        int controlConverted = 0;
        int controlSeen = 0;
        UUID early = null;
        for (UUID person : people) {
            int arm = Experiments.arm(campaign, person);
            if (arm == 0) {
                orders.add(ProfileEvents.recorded(person, "o-" + person, "order_placed", now, Map.of("total", 20)));
                orders.add(ProfileEvents.recorded(person, "o2-" + person, "order_placed", now.plusSeconds(60), Map.of("total", 25)));
            } else if (arm == 2 && controlSeen++ % 2 == 0) {
                orders.add(ProfileEvents.recorded(person, "o-" + person, "order_placed", now, Map.of("total", 20)));
                controlConverted++;
            } else if (arm == 1 && early == null) {
                early = person;
                orders.add(ProfileEvents.recorded(person, "o-" + person, "order_placed", now.minus(Duration.ofHours(2)), Map.of("total", 20)));
            }
        }
        kafka.produceStrings().fromRecords(orders).awaitCompletion(Duration.ofSeconds(30));
        int expectedControl = controlConverted;
        await().atMost(Duration.ofSeconds(30)).until(() -> converted(id) == sizes[0] + expectedControl);

        var results = campaigns.getExperimentResults(GetExperimentResultsRequest.newBuilder().setCampaignId(campaign.getId()).build());
        assertEquals("order_placed", results.getConversionEvent());
        ArmResult a = results.getArms(0);
        ArmResult b = results.getArms(1);
        ArmResult control = results.getArms(2);
        assertEquals(List.of("A", "B", "control"), results.getArmsList().stream().map(ArmResult::getName).toList());
        assertEquals(sizes[0], a.getConverted(), "each of A converted once, though two orders");
        assertEquals(1.0, a.getConversionRate());
        assertEquals(0, b.getConverted(), "an order before the message is no conversion");
        assertEquals(expectedControl, control.getConverted());
        assertEquals(sizes[2], control.getReached());
        assertEquals(0, control.getSent());
        assertEquals(1.0 - (double) expectedControl / sizes[2], a.getUplift(), 1e-9);
        assertTrue(a.getPValue() < 0.05, "everyone against about half: " + a.getPValue());
        assertTrue(a.getConversionRateLow() > 0.7 && a.getConversionRateHigh() == 1.0, a.toString());
        assertTrue(!control.hasUplift() && !control.hasPValue(), "the control group is the baseline");
    }

    @Test
    void theTestGoesToAFifthAndTheRestGetTheArmThatConvertedBestOnceItIsDecided() throws Exception {
        UUID segment = UUID.randomUUID();
        List<UUID> people = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            people.add(UUID.nameUUIDFromBytes((segment + "/" + i).getBytes(StandardCharsets.UTF_8)));
        }
        ProfileStandIn.MEMBERS.put(segment.toString(), people.stream().map(UUID::toString).toList());
        Campaign campaign = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("winner takes the rest " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                .setSegmentId(segment.toString()).setPriority(10).setDefaultLocale("en")
                .setExperiment(Experiment.newBuilder().setConversionEvent("order_placed")
                        .setConversionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(600))
                        .addArms(arm("A", "Your order, faster"))
                        .addArms(arm("B", "Dinner in 20 minutes"))
                        .setAutoWinner(dev.rapport.proto.campaign.v1.AutoWinner.newBuilder().setTestPercent(20)
                                .setDecideAfter(com.google.protobuf.Duration.newBuilder().setSeconds(3600))))).build());
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(campaign.getId()).setStatus(Campaign.Status.ACTIVE).build());
        UUID id = UUID.fromString(campaign.getId());
        List<UUID> test = people.stream().filter(p -> Experiments.inTest(campaign, p)).toList();
        List<UUID> rest = people.stream().filter(p -> !Experiments.inTest(campaign, p)).toList();
        assertTrue(test.size() > 20 && test.size() < 65, "about a fifth: " + test.size());
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            // as the sender's tick does: other tests' broadcasts (segments long gone) take their turns at being drawn too
            broadcasts.drawAudiences().await().atMost(Duration.ofSeconds(30));
            broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
            return campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(campaign.getId()).build()).getSent() == test.size();
        });
        assertTrue(rest.stream().allMatch(p -> mailbox.getMailsSentTo(emailOf(p.toString())).isEmpty()), "the rest wait for the winner");
        var waiting = campaigns.getExperimentResults(GetExperimentResultsRequest.newBuilder().setCampaignId(campaign.getId()).build());
        assertEquals(rest.size(), waiting.getRolloutWaiting());
        assertEquals("", waiting.getWinner(), "not decided before its time");

        // Everyone in B's test group orders; nobody in A's.
        List<UUID> bought = test.stream().filter(p -> Experiments.arm(campaign, p) == 1).toList();
        List<ProducerRecord<String, String>> orders = new ArrayList<>();
        for (UUID person : bought) {
            orders.add(ProfileEvents.recorded(person, "o-" + person, "order_placed", Instant.now(), Map.of("total", 20)));
        }
        kafka.produceStrings().fromRecords(orders).awaitCompletion(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> converted(id) == bought.size());

        // The rest come due (decide_after) while the test's conversion window is still open: they wait for it.
        pool.preparedQuery("UPDATE delivery SET due_time = now() WHERE campaign_id = $1 AND rollout").execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5));
        broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
        assertEquals("", campaigns.getExperimentResults(GetExperimentResultsRequest.newBuilder().setCampaignId(campaign.getId()).build()).getWinner(),
                "not decided while the test's conversions may still come");
        assertTrue(rest.stream().allMatch(p -> mailbox.getMailsSentTo(emailOf(p.toString())).isEmpty()));
        // Then the window has passed (as the clock would have it): the rest come due again, and get B.
        pool.preparedQuery("UPDATE delivery SET send_time = send_time - interval '1 hour' WHERE campaign_id = $1 AND NOT rollout")
                .execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5));
        pool.preparedQuery("UPDATE delivery SET due_time = now() WHERE campaign_id = $1 AND rollout").execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
            return campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(campaign.getId()).build()).getPlanned() == 0;
        });
        for (UUID person : rest) {
            assertEquals(List.of("Dinner in 20 minutes"), mailbox.getMailsSentTo(emailOf(person.toString())).stream().map(m -> m.getSubject()).toList());
        }
        var decided = campaigns.getExperimentResults(GetExperimentResultsRequest.newBuilder().setCampaignId(campaign.getId()).build());
        assertEquals("B", decided.getWinner());
        assertTrue(decided.getWinnerReason().startsWith("B converted 100.0 % (" + bought.size() + " of " + bought.size() + ")"), decided.getWinnerReason());
        assertTrue(decided.hasDecidedTime());
        assertEquals(rest.size(), decided.getRolloutSent());
        assertEquals(0, decided.getRolloutWaiting());
        assertEquals(test.size(), decided.getArms(0).getReached() + decided.getArms(1).getReached(), "the arms' figures are the test's");
    }

    @Test
    void aControlGroupThatConvertsSignificantlyBetterLeavesTheRestWithoutAMessage() {
        Campaign campaign = Campaign.newBuilder().setId(UUID.randomUUID().toString()).setExperiment(Experiment.newBuilder()
                .addArms(arm("A", "a")).addArms(arm("B", "b")).addArms(ExperimentArm.newBuilder().setName("control").setControl(true).setWeight(1))).build();
        Experiments.Winner none = Experiments.choose(campaign, Map.of(0, new long[] { 100, 5 }, 1, new long[] { 100, 8 }, 2, new long[] { 100, 30 }));
        assertEquals(null, none.arm());
        assertTrue(none.reason().startsWith("the control group converted better than every arm"), none.reason());
        Experiments.Winner close = Experiments.choose(campaign, Map.of(0, new long[] { 100, 12 }, 1, new long[] { 100, 9 }, 2, new long[] { 100, 10 }));
        assertEquals(0, close.arm());
        assertTrue(close.reason().endsWith("(not significant)"), close.reason());
        assertEquals(0, Experiments.choose(campaign, Map.of()).arm(), "no one reached: the first arm");
    }

    private long converted(UUID campaign) {
        return pool.preparedQuery("SELECT count(*) AS n FROM delivery WHERE campaign_id = $1 AND converted_time IS NOT NULL")
                .execute(Tuple.of(campaign)).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("n");
    }

    private static ExperimentArm.Builder arm(String name, String subject) {
        return ExperimentArm.newBuilder().setName(name).setWeight(1)
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine(subject).setBody("Order now"));
    }
}
