package dev.rapport.campaign.delivery;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Broadcasts whose audience cannot be drawn (here: segment-service is not there, as for a deleted segment) are tried
 * again later, after the others: however many there are, each gets its turn — none starves behind them.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class AudienceDrawingTest {
    @Inject
    Broadcasts broadcasts;
    @Inject
    Pool pool;

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
    void broadcastsThatCannotBeDrawnTakeTurnsInsteadOfHoldingBackTheRest() {
        List<UUID> stuck = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Campaign created = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                    .setName("gone segment " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                    .setSegmentId(UUID.randomUUID().toString()).setDefaultLocale("en")
                    .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("Hello").setBody("Hello"))).build());
            campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(created.getId()).setStatus(Campaign.Status.ACTIVE).build());
            stuck.add(UUID.fromString(created.getId()));
        }
        // Five a round: within a few rounds every one of them has been tried (and waits for its retry), none left behind.
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            broadcasts.drawAudiences().await().atMost(Duration.ofSeconds(30));
            return pool.preparedQuery("SELECT count(*) AS n FROM campaign WHERE id = ANY($1) AND audience_retry_time > now()")
                    .execute(Tuple.of((Object) stuck.toArray(UUID[]::new))).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong("n") == 12;
        });
        // and they are out of the way: archived, like a marketer would
        stuck.forEach(id -> campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(id.toString())
                .setStatus(Campaign.Status.ARCHIVED).build()));
    }
}
