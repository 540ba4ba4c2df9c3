package dev.rapport.campaign.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
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
import dev.rapport.proto.campaign.v1.GetCampaignRequest;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.SendTime;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * A message for someone without history (ProfileStandIn's people have none, and no time zone: UTC) waits for the
 * campaign's fallback hour, once: planned again for that hour, not counted as an attempt, nothing sent meanwhile.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class SendTimeTest {
    @Inject
    Broadcasts broadcasts;
    @Inject
    MockMailbox mailbox;
    @Inject
    Pool pool;

    /** Opened when profile-service may answer (ProfileStandIn). */
    ProfileStandIn.Gate profileServiceAnswers;

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
        TestChannels.close(channel);
    }

    @Test
    void aMessageWaitsForTheFallbackHourOnceAndIsSentWhenItComes() {
        // Twelve hours from now, whatever the time the test runs.
        int hour = (OffsetDateTime.now(ZoneOffset.UTC).getHour() + 12) % 24;
        Campaign notice = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName("weekly digest " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                .setSegmentId(UUID.randomUUID().toString()).setPriority(10).setDefaultLocale("en")
                .setSendTime(SendTime.newBuilder().setBestHour(true).setFallbackHour(hour))
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("Your week").setBody("Hello"))).build());
        assertEquals(hour, campaigns.getCampaign(GetCampaignRequest.newBuilder().setCampaignId(notice.getId()).build()).getSendTime().getFallbackHour(),
                "kept with the campaign");
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(notice.getId()).setStatus(Campaign.Status.ACTIVE).build());
        UUID person = UUID.randomUUID();
        UUID id = UUID.fromString(notice.getId());
        pool.preparedQuery("INSERT INTO delivery (campaign_id, profile_id, status) VALUES ($1, $2, 'planned')").execute(Tuple.of(id, person))
                .await().atMost(Duration.ofSeconds(5));

        broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
        var row = pool.preparedQuery("SELECT status, reason, due_time, attempts, deferred FROM delivery WHERE campaign_id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(5)).iterator().next();
        assertEquals("planned", row.getString("status"));
        assertEquals("waiting for " + (hour < 10 ? "0" : "") + hour + ":00 their time (the fallback hour)", row.getString("reason"));
        Instant due = row.getOffsetDateTime("due_time").toInstant();
        assertTrue(due.isAfter(Instant.now().plus(Duration.ofHours(11))) && due.isBefore(Instant.now().plus(Duration.ofHours(13))), due.toString());
        assertEquals(0, due.atOffset(ZoneOffset.UTC).getMinute());
        assertEquals(0, row.getInteger("attempts"), "waiting is not an attempt");
        assertTrue(row.getBoolean("deferred"));
        assertEquals(0, mailbox.getMailsSentTo(ProfileStandIn.emailOf(person.toString())).size());

        // Its hour came (here: brought forward): sent now, not moved again.
        pool.preparedQuery("UPDATE delivery SET due_time = now() WHERE campaign_id = $1").execute(Tuple.of(id)).await().atMost(Duration.ofSeconds(5));
        broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
        assertEquals("sent", pool.preparedQuery("SELECT status FROM delivery WHERE campaign_id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getString("status"));
        assertEquals(1, mailbox.getMailsSentTo(ProfileStandIn.emailOf(person.toString())).size());
        assertEquals(0, due.truncatedTo(ChronoUnit.HOURS).compareTo(due));
    }
}
