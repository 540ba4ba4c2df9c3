package dev.rapport.campaign.delivery;

import static dev.rapport.campaign.ProfileStandIn.emailOf;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.util.JsonFormat;

import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.privacy.ConsentView;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.privacy.v1.ConsentState;
import dev.rapport.proto.privacy.v1.PurposeConsent;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.TestTopics;
import io.grpc.ManagedChannel;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The shipped cap (3 promotional messages in 7 days, application.properties) against real PostgreSQL, with the
 * person's consent arriving on the real privacy.consent topic: the last slot goes to the campaign of higher priority,
 * the cap then holds everything promotional back, and transactional messages still go out.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class FrequencyCapsTest {
    @Inject
    Broadcasts broadcasts;
    @Inject
    MockMailbox mailbox;
    @Inject
    Pool pool;
    @Inject
    ConsentView consent;

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
    void theLastSlotGoesToTheHigherPriorityThenTheCapHoldsPromotionsButNotTransactionalMessages() throws Exception {
        UUID person = UUID.randomUUID();
        kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.PRIVACY_CONSENT), person.toString(),
                JsonFormat.printer().print(ConsentState.newBuilder().setSubject(person.toString()).setVersion(1).setJurisdiction("ES")
                        .addPurposes(PurposeConsent.newBuilder().setPurpose("marketing.communications").setChannel("email").setGranted(true)
                                .setMethod("form").setDecisionTime(Envelopes.timestamp(java.time.Instant.now())))))).awaitCompletion(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(30)).until(() -> consent.of(person.toString()) != null);

        // Two promotions already this week.
        Campaign earlier = campaign("earlier", "marketing.communications", 50);
        pool.preparedQuery("INSERT INTO delivery (campaign_id, profile_id, occasion, status, send_time) VALUES "
                        + "($1, $2, 'a/1', 'sent', now() - interval '6 days'), ($1, $2, 'b/1', 'sent', now() - interval '1 day'), "
                        // older than the window: does not count
                        + "($1, $2, 'c/1', 'sent', now() - interval '8 days')")
                .execute(Tuple.of(UUID.fromString(earlier.getId()), person)).await().atMost(Duration.ofSeconds(5));

        Campaign minor = active(campaign("minor promotion", "marketing.communications", 10));
        Campaign major = active(campaign("major promotion", "marketing.communications", 90));
        // Both are for now; the minor one is claimed first.
        plan(minor, person, "now()");
        plan(major, person, "now() + interval '30 seconds'");
        broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of("skipped: frequency cap: the last slot went to a campaign of higher priority"), outcomes(minor, person));

        pool.preparedQuery("UPDATE delivery SET due_time = now() WHERE campaign_id = $1").execute(Tuple.of(UUID.fromString(major.getId())))
                .await().atMost(Duration.ofSeconds(5));
        broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of("sent: "), outcomes(major, person));

        Campaign urgent = active(campaign("top promotion", "marketing.communications", 100));
        Campaign receipt = active(campaign("receipt", "essential.service.notifications", 0));
        plan(urgent, person, "now()");
        plan(receipt, person, "now()");
        broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
        assertEquals(List.of("skipped: frequency cap: 3 promotional messages within 7 days"), outcomes(urgent, person));
        assertEquals(List.of("sent: "), outcomes(receipt, person));
        assertEquals(List.of("major promotion", "receipt"),
                mailbox.getMailsSentTo(emailOf(person.toString())).stream().map(m -> m.getSubject()).sorted().toList());
    }

    private Campaign campaign(String name, String purpose, int priority) {
        return campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName(name).setPurpose(purpose).setChannel("email").setSegmentId(UUID.randomUUID().toString()).setPriority(priority)
                .setDefaultLocale("en").addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine(name).setBody("Hello"))).build());
    }

    private Campaign active(Campaign campaign) {
        return campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(campaign.getId())
                .setStatus(Campaign.Status.ACTIVE).build());
    }

    private void plan(Campaign campaign, UUID person, String due) {
        pool.preparedQuery("INSERT INTO delivery (campaign_id, profile_id, status, due_time) VALUES ($1, $2, 'planned', " + due + ")")
                .execute(Tuple.of(UUID.fromString(campaign.getId()), person)).await().atMost(Duration.ofSeconds(5));
    }

    private List<String> outcomes(Campaign campaign, UUID person) {
        List<String> outcomes = new java.util.ArrayList<>();
        pool.preparedQuery("SELECT status, reason FROM delivery WHERE campaign_id = $1 AND profile_id = $2")
                .execute(Tuple.of(UUID.fromString(campaign.getId()), person)).await().atMost(Duration.ofSeconds(5))
                .forEach(row -> outcomes.add(row.getString("status") + ": " + (row.getString("reason") == null ? "" : row.getString("reason"))));
        return outcomes;
    }
}
