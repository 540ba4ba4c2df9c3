package dev.rapport.campaign;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.ExportRecipientRequest;
import dev.rapport.proto.campaign.v1.GetMarketingHoldRequest;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.RecipientDelivery;
import dev.rapport.proto.campaign.v1.RecipientExport;
import dev.rapport.proto.chat.v1.ConversationEvent;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.privacy.v1.SubjectIdentifier;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.GrpcFailures;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.TestTopics;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Data-subject requests reach campaign-service on privacy.dsr: what it holds about a person — deliveries and the last
 * bad support experience — is exported with ExportRecipient, erased (once; a repeat erases nothing) and checked;
 * a request for other services is not answered.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class) // the same resources as every test class here: one app, started once
class PrivacyRequestsTest {
    @Inject
    Pool pool;

    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);
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
        kafka.close();
    }

    @Test
    void whatIsHeldAboutAPersonIsExportedCheckedErasedOnceAndCheckedAgain() throws Exception {
        UUID person = UUID.randomUUID();
        UUID someoneElse = UUID.randomUUID();
        Campaign spring = campaign("spring sale");
        Campaign summer = campaign("summer sale");
        Instant sentAt = Instant.now().minus(Duration.ofDays(2)).truncatedTo(ChronoUnit.MICROS);
        delivery(spring, person, "sent", null, sentAt);
        delivery(summer, person, "skipped", "held after a bad support experience", null);
        delivery(spring, someoneElse, "sent", null, sentAt);
        Instant badAt = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MICROS);
        badExperience(person, "conversation-1", badAt);

        RecipientExport export = campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(person.toString()).build());
        assertEquals(person.toString(), export.getProfileId());
        assertEquals(List.of("spring sale sent", "summer sale skipped"),
                export.getDeliveriesList().stream().map(d -> d.getCampaignName() + " " + d.getStatus()).toList());
        RecipientDelivery sent = export.getDeliveries(0);
        assertEquals(spring.getId(), sent.getCampaignId());
        assertEquals(Envelopes.timestamp(sentAt), sent.getSendTime());
        assertTrue(sent.hasPlanTime());
        assertEquals("held after a bad support experience", export.getDeliveries(1).getReason());
        assertFalse(export.getDeliveries(1).hasSendTime());
        assertTrue(export.hasLastBadExperience());
        assertTrue(export.getLastBadExperience().getHeld());
        assertEquals("conversation-1", export.getLastBadExperience().getConversationId());

        DataSubjectRequestProgress before = carryOut(1, request(person, DataSubjectRequest.Kind.ERASURE_CHECK)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE_CHECK, before.getKind());
        assertEquals(DataSubjectRequestProgress.State.COMPLETED, before.getState());
        assertEquals(3, before.getRecordsAffected());
        assertEquals("still held: delivery: 2, support_experience: 1", before.getDetail());
        DataSubjectRequestProgress access = carryOut(1, request(person, DataSubjectRequest.Kind.ACCESS)).get(0);
        assertEquals(DataSubjectRequest.Kind.ACCESS, access.getKind());
        assertEquals(3, access.getRecordsAffected());
        assertEquals("export ready: CampaignService.ExportRecipient", access.getDetail());

        DataSubjectRequest erasure = request(person, DataSubjectRequest.Kind.ERASURE);
        List<DataSubjectRequestProgress> erased = carryOut(2, erasure, erasure);
        assertEquals(List.of(DataSubjectRequestProgress.State.COMPLETED, DataSubjectRequestProgress.State.COMPLETED),
                erased.stream().map(DataSubjectRequestProgress::getState).toList());
        assertEquals("campaign-service", erased.get(0).getService());
        assertEquals(DataSubjectRequest.Kind.ERASURE, erased.get(0).getKind());
        assertEquals(3, erased.get(0).getRecordsAffected());
        assertEquals(0, erased.get(1).getRecordsAffected(), "read again, it erases nothing more");
        assertEquals("nothing held", erased.get(1).getDetail());

        RecipientExport after = campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(person.toString()).build());
        assertEquals(0, after.getDeliveriesCount());
        assertFalse(after.hasLastBadExperience());
        assertFalse(campaigns.getMarketingHold(GetMarketingHoldRequest.newBuilder().setProfileId(person.toString()).build()).getHeld());
        assertEquals(1, campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(someoneElse.toString()).build())
                .getDeliveriesCount(), "someone else's delivery is kept");

        DataSubjectRequestProgress check = carryOut(1, request(person, DataSubjectRequest.Kind.ERASURE_CHECK)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE_CHECK, check.getKind());
        assertEquals(0, check.getRecordsAffected());
        assertEquals("nothing held", check.getDetail());
    }

    @Test
    void aRequestNamingOtherServicesIsIgnoredWithoutAReport() throws Exception {
        UUID person = UUID.randomUUID();
        delivery(campaign("autumn sale"), person, "planned", null, null);
        DataSubjectRequest notOurs = request(person, DataSubjectRequest.Kind.ERASURE).toBuilder()
                .addServices("profile-service").addServices("chatbot-service").build();
        DataSubjectRequest ours = request(person, DataSubjectRequest.Kind.ERASURE_CHECK).toBuilder().addServices("campaign-service").build();

        // Read in order (one subject, one partition): had the first been answered, its report would come first.
        List<DataSubjectRequestProgress> reports = carryOut(1, notOurs, ours);
        assertEquals(List.of(ours.getRequestId()), reports.stream().map(DataSubjectRequestProgress::getRequestId).toList());
        assertEquals("still held: delivery: 1", reports.get(0).getDetail());
        assertEquals(1, campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(person.toString()).build())
                .getDeliveriesCount(), "nothing was erased");
    }

    @Test
    void anErasureReachesWhatIsHeldUnderAProfileMergedIntoTheSubject() throws Exception {
        UUID survivor = UUID.randomUUID();
        UUID merged = UUID.randomUUID();
        Campaign winter = campaign("winter sale");
        delivery(winter, survivor, "sent", null, Instant.now());
        delivery(campaign("new year sale"), merged, "sent", null, Instant.now());
        DataSubjectRequest erasure = request(survivor, DataSubjectRequest.Kind.ERASURE).toBuilder()
                .addIdentifiers(SubjectIdentifier.newBuilder().setType("PROFILE_ID").setValue(merged.toString())).build();
        assertEquals(2, carryOut(1, erasure).get(0).getRecordsAffected(), "the delivery planned for the merged-away id too");
        assertEquals(0, campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(merged.toString()).build()).getDeliveriesCount());
    }

    @Test
    void anExportOfSomethingThatIsNotAProfileIdIsRefusedNamingTheField() {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId("someone@example.com").build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertEquals(List.of("profile_id"), GrpcFailures.badRequestFields(refused));
    }

    // ---- helpers ----

    /** A draft (never claimed for sending in this module's tests): only its name and id matter here. */
    private Campaign campaign(String name) {
        return campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(Campaign.newBuilder()
                .setName(name).setPurpose("marketing.communications").setChannel("email").setSegmentId(UUID.randomUUID().toString())
                .setPriority(50).setDefaultLocale("en")
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("Deals").setBody("Hello, deals are here"))).build());
    }

    /** A delivery as a broadcast leaves it (drawing the audience needs segment-service, which this module does not run). */
    private void delivery(Campaign campaign, UUID person, String status, String reason, Instant sent) {
        pool.preparedQuery("INSERT INTO delivery (campaign_id, profile_id, status, reason, send_time) VALUES ($1, $2, $3, $4, $5)")
                .execute(Tuple.from(Arrays.asList(UUID.fromString(campaign.getId()), person, status, reason,
                        sent == null ? null : OffsetDateTime.ofInstant(sent, ZoneOffset.UTC))))
                .await().atMost(Duration.ofSeconds(5));
    }

    /** A bad support experience, as chatbot-service reports one on chat.conversations. */
    private void badExperience(UUID person, String conversation, Instant at) throws Exception {
        kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.CHAT_CONVERSATIONS), person.toString(),
                JsonFormat.printer().print(ConversationEvent.newBuilder().setConversationId(conversation).setProfileId(person.toString())
                        .setKind(ConversationEvent.Kind.ABANDONED).setEventTime(Envelopes.timestamp(at)).setBadExperience(true).build())))
                .awaitCompletion();
        await().atMost(Duration.ofSeconds(20)).until(
                () -> campaigns.getMarketingHold(GetMarketingHoldRequest.newBuilder().setProfileId(person.toString()).build()).getHeld());
    }

    private static DataSubjectRequest request(UUID subject, DataSubjectRequest.Kind kind) {
        String requestId = "dsr-" + UUID.randomUUID();
        return DataSubjectRequest.newBuilder().setEnvelope(Envelope.newBuilder().setId(requestId).setSubject(subject.toString()))
                .setRequestId(requestId).setSubject(subject.toString()).setKind(kind).build();
    }

    /**
     * Sends the requests on privacy.dsr in this order (keyed by subject, so they are read in order) and answers the
     * first {@code reports} reports about any of them.
     */
    private List<DataSubjectRequestProgress> carryOut(int reports, DataSubjectRequest... requests) throws Exception {
        List<String> requestIds = Arrays.stream(requests).map(DataSubjectRequest::getRequestId).distinct().toList();
        try (ConsumerTask<String, String> progress = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PRIVACY_DSR_PROGRESS),
                records -> records.filter(r -> requestIds.stream().anyMatch(r.value()::contains)))) {
            for (DataSubjectRequest request : requests) {
                kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.PRIVACY_DSR), request.getSubject(),
                        JsonFormat.printer().print(request))).awaitCompletion();
            }
            progress.awaitRecords(reports, Duration.ofSeconds(20));
            List<DataSubjectRequestProgress> answered = new ArrayList<>();
            for (var record : progress.getRecords()) {
                DataSubjectRequestProgress.Builder report = DataSubjectRequestProgress.newBuilder();
                JsonFormat.parser().ignoringUnknownFields().merge(record.value(), report);
                answered.add(report.build());
            }
            return answered;
        }
    }
}
