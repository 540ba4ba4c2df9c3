package dev.rapport.campaign.delivery;

import static dev.rapport.campaign.ProfileStandIn.emailOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.campaign.privacy.Recipients;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A person erased while their message is on its way gets nothing: the sender claimed the delivery and is looking the
 * person up when the erasure deletes it, and the send that follows finds no delivery. Someone else in the same round is
 * sent to, so the round really sends.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class ErasureDuringSendTest {
    @Inject
    Broadcasts broadcasts;
    @Inject
    Recipients recipients;
    @Inject
    MockMailbox mailbox;
    @Inject
    Pool pool;

    /** Opened when profile-service may answer (ProfileStandIn). */
    ProfileStandIn.Gate profileServiceAnswers;
    /** The profile ids profile-service was asked about (ProfileStandIn). */
    BlockingQueue<String> asked;

    private ManagedChannel channel;
    private CampaignServiceGrpc.CampaignServiceBlockingStub campaigns;

    @BeforeEach
    void connect() {
        channel = TestChannels.toServiceUnderTest();
        campaigns = CampaignServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void aPersonErasedWhileTheirMessageIsBeingSentIsNotSentTo() throws Exception {
        profileServiceAnswers.close(); // the sends wait at their profile lookup until the erasure is done
        asked.clear();
        Campaign notice = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("terms update " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                .setSegmentId(UUID.randomUUID().toString()).setPriority(50).setDefaultLocale("en")
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("Our terms change").setBody("Hello, our terms change."))).build());
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(notice.getId()).setStatus(Campaign.Status.ACTIVE).build());
        UUID erased = UUID.randomUUID();
        UUID kept = UUID.randomUUID();
        // The audience as drawing it leaves it: planned and due.
        pool.preparedQuery("INSERT INTO delivery (campaign_id, profile_id, status) SELECT $1, p, 'planned' FROM unnest($2::uuid[]) AS p")
                .execute(Tuple.of(UUID.fromString(notice.getId()), new UUID[] { erased, kept })).await().atMost(Duration.ofSeconds(5));

        CompletableFuture<Void> round = broadcasts.deliverDue().subscribeAsCompletionStage();
        // Both claimed, each being looked up at profile-service: now the erasure comes.
        assertEquals(Set.of(erased.toString(), kept.toString()),
                Set.of(asked.poll(30, TimeUnit.SECONDS), asked.poll(30, TimeUnit.SECONDS)));
        assertEquals(1L, recipients.erase(erased).await().atMost(Duration.ofSeconds(10)));
        profileServiceAnswers.open();
        round.get(30, TimeUnit.SECONDS);

        assertEquals(List.of(), mailbox.getMailsSentTo(emailOf(erased.toString())));
        assertEquals(1, mailbox.getMailsSentTo(emailOf(kept.toString())).size(), "the round did send");
        var rows = pool.preparedQuery("SELECT profile_id, status FROM delivery WHERE campaign_id = $1").execute(Tuple.of(UUID.fromString(notice.getId())))
                .await().atMost(Duration.ofSeconds(5));
        assertEquals(1, rows.size(), "the erased person's delivery stays gone");
        assertTrue(rows.iterator().next().getUUID("profile_id").equals(kept) && rows.iterator().next().getString("status").equals("sent"));
    }
}
