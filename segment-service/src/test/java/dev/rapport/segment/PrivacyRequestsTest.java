package dev.rapport.segment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.ConsentState;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.privacy.v1.PurposeConsent;
import dev.rapport.proto.profile.v1.AttributeChange;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.proto.segment.v1.ComputeRfmRequest;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.GetRfmModelRequest;
import dev.rapport.proto.segment.v1.ListMembershipsRequest;
import dev.rapport.proto.segment.v1.Segment;
import dev.rapport.proto.segment.v1.SegmentMembershipChanged;
import dev.rapport.proto.segment.v1.SegmentServiceGrpc;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.TestTopics;
import io.grpc.ManagedChannel;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Data-subject requests reach segment-service on privacy.dsr: an erasure removes everything it holds about the person
 * (and the profile merged into them), their exits announced; the check finds it all before and nothing but the erased
 * ids after; a request for other services is not answered. Each test marks its profiles with its own first name.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileSchemaStandIn.class)
class PrivacyRequestsTest {
    private static final Duration SOON = Duration.ofSeconds(30);
    private static final String MARKETING = "marketing.communications";
    /** Every table that holds something about a profile, and the column naming it. */
    private static final List<String> HOLDERS = List.of("profile.profile_id", "event.profile_id", "membership.profile_id",
            "rfm_score.profile_id", "engagement.profile_id", "consent.subject", "merged_profile.profile_id", "merged_profile.survivor_id");

    @Inject
    Pool pool;

    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);
    private ManagedChannel channel;
    private SegmentServiceGrpc.SegmentServiceBlockingStub segments;
    private ConsumerTask<String, String> announced;
    private final String run = "t" + UUID.randomUUID().toString().substring(0, 8);
    private long version = 100;

    @BeforeEach
    void connect() {
        channel = TestChannels.toServiceUnderTest();
        segments = SegmentServiceGrpc.newBlockingStub(channel);
        announced = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.SEGMENT_MEMBERSHIP));
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        announced.close();
        TestChannels.close(channel);
        kafka.close();
    }

    @Test
    void anErasureRemovesThePersonAndTheProfileMergedIntoThemAndTheCheckFindsNothingAfter() throws Exception {
        UUID merged = profile();
        UUID person = profile();
        consent(merged, MARKETING);
        consent(person, MARKETING);
        Segment buyers = create("{\"kind\": \"and\", \"of\": [" + mine() + ", {\"kind\": \"event\", \"event\": \"purchase\"}]}");
        String currency = segments.getRfmModel(GetRfmModelRequest.getDefaultInstance()).getCurrency();
        event(merged, "purchase", "{\"total\": 30, \"currency\": \"" + currency + "\"}");
        event(person, "purchase", "{\"total\": 70, \"currency\": \"" + currency + "\"}");
        await().atMost(SOON).until(() -> transitions(buyers, person).size() == 1 && transitions(buyers, merged).size() == 1);
        publish(Topics.PROFILE_CHANGES, merged, ProfileChanged.newBuilder().setProfileId(merged.toString()).setVersion(++version)
                .setMergedIntoProfileId(person.toString()).build());
        await().atMost(SOON).until(() -> transitions(buyers, merged).size() == 2); // the merged profile left
        segments.computeRfm(ComputeRfmRequest.getDefaultInstance());
        assertEquals(1, rows("rfm_score", "profile_id", person));

        DataSubjectRequestProgress before = carryOut(1, request(person, DataSubjectRequest.Kind.ERASURE_CHECK)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE_CHECK, before.getKind());
        assertEquals(DataSubjectRequestProgress.State.COMPLETED, before.getState());
        assertEquals("still held: profile: 1, event: 2, membership: 1, rfm_score: 1, engagement: 1, consent: 2, merged_profile: 1",
                before.getDetail());
        assertEquals(9, before.getRecordsAffected());
        DataSubjectRequestProgress access = carryOut(1, request(person, DataSubjectRequest.Kind.ACCESS)).get(0);
        assertEquals(2, access.getRecordsAffected(), "one membership, one RFM score");
        assertEquals("export ready: SegmentService.ListMemberships", access.getDetail());

        DataSubjectRequest erasure = request(person, DataSubjectRequest.Kind.ERASURE);
        List<DataSubjectRequestProgress> erased = carryOut(2, erasure, erasure);
        assertEquals(List.of(DataSubjectRequestProgress.State.COMPLETED, DataSubjectRequestProgress.State.COMPLETED),
                erased.stream().map(DataSubjectRequestProgress::getState).toList());
        assertEquals(DataSubjectRequest.Kind.ERASURE, erased.get(0).getKind());
        assertEquals(9, erased.get(0).getRecordsAffected());
        assertEquals(0, erased.get(1).getRecordsAffected(), "read again, it erases nothing more");
        assertEquals("nothing held", erased.get(1).getDetail());

        await().atMost(SOON).until(() -> transitions(buyers, person).size() == 2);
        assertEquals(SegmentMembershipChanged.Transition.EXITED, transitions(buyers, person).get(1).getTransition());
        assertEquals(0, rowsAbout(person, merged));
        assertEquals(List.of(), segments.listMemberships(ListMembershipsRequest.newBuilder().setProfileId(person.toString()).build())
                .getMembershipsList());

        DataSubjectRequestProgress after = carryOut(1, request(person, DataSubjectRequest.Kind.ERASURE_CHECK)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE_CHECK, after.getKind());
        assertEquals(0, after.getRecordsAffected());
        assertEquals("nothing held; kept: erased_profile: 1 (the bare erased id, so that late events about it are dropped)", after.getDetail());

        // Late events of either profile do not bring anything back.
        event(person, "purchase", "{\"total\": 5}");
        event(merged, "purchase", "{\"total\": 5}");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> rowsAbout(person, merged) == 0);
        assertEquals(2, rows("erased_profile", "profile_id", person) + rows("erased_profile", "profile_id", merged));
    }

    @Test
    void aRequestNamingOtherServicesIsIgnoredWithoutAReport() throws Exception {
        UUID person = profile();
        event(person, "app_opened", "{}");
        await().atMost(SOON).until(() -> rows("event", "profile_id", person) == 1);
        DataSubjectRequest notOurs = request(person, DataSubjectRequest.Kind.ERASURE).toBuilder().addServices("profile-service").build();
        DataSubjectRequest ours = request(person, DataSubjectRequest.Kind.ERASURE_CHECK).toBuilder().addServices("segment-service").build();

        // Read in order (one subject, one partition): had the first been answered, its report would come first.
        List<DataSubjectRequestProgress> reports = carryOut(1, notOurs, ours);
        assertEquals(List.of(ours.getRequestId()), reports.stream().map(DataSubjectRequestProgress::getRequestId).toList());
        assertEquals("still held: profile: 1, event: 1, engagement: 1", reports.get(0).getDetail());
        assertEquals(1, rows("event", "profile_id", person), "nothing was erased");
    }

    @Test
    void restrictionAndObjectionAreAnsweredWithWhereTheyTakeEffect() throws Exception {
        UUID person = UUID.randomUUID();
        for (DataSubjectRequest.Kind kind : List.of(DataSubjectRequest.Kind.RESTRICTION, DataSubjectRequest.Kind.OBJECTION)) {
            DataSubjectRequestProgress report = carryOut(1, request(person, kind)).get(0);
            assertEquals(kind, report.getKind());
            assertEquals(DataSubjectRequestProgress.State.COMPLETED, report.getState());
            assertTrue(report.getDetail().contains("privacy.consent"), report.getDetail());
        }
        DataSubjectRequestProgress bad = carryOut(1, request(person, DataSubjectRequest.Kind.ERASURE).toBuilder().setSubject("someone").build()).get(0);
        assertEquals(DataSubjectRequestProgress.State.FAILED, bad.getState());
        assertEquals(DataSubjectRequest.Kind.ERASURE, bad.getKind());
    }

    // ---- helpers ----

    private long rows(String table, String column, UUID profile) {
        return pool.preparedQuery("SELECT count(*) FROM " + table + " WHERE " + column + "::text = $1").execute(Tuple.of(profile.toString()))
                .await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
    }

    private long rowsAbout(UUID... profiles) {
        long total = 0;
        for (UUID profile : profiles) {
            for (String holder : HOLDERS) {
                String[] tableColumn = holder.split("\\.");
                total += rows(tableColumn[0], tableColumn[1], profile);
            }
        }
        return total;
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

    /** The condition that keeps a test's segments to its own profiles. */
    private String mine() {
        return "{\"kind\": \"attribute\", \"attribute\": \"first_name\", \"operator\": \"eq\", \"value\": \"" + run + "\"}";
    }

    private UUID profile() throws InvalidProtocolBufferException {
        UUID id = UUID.randomUUID();
        publish(Topics.PROFILE_CHANGES, id, ProfileChanged.newBuilder().setProfileId(id.toString()).setVersion(++version)
                .addChanges(AttributeChange.newBuilder().setAttribute("first_name").setNewValue(Value.newBuilder().setStringValue(run))).build());
        return id;
    }

    private void consent(UUID profile, String purpose) throws InvalidProtocolBufferException {
        publish(Topics.PRIVACY_CONSENT, profile, ConsentState.newBuilder().setSubject(profile.toString()).setVersion(1)
                .addPurposes(PurposeConsent.newBuilder().setPurpose(purpose).setGranted(true).setMethod("api")).build());
    }

    private void event(UUID profile, String name, String properties) throws InvalidProtocolBufferException {
        String id = UUID.randomUUID().toString();
        Struct.Builder props = Struct.newBuilder();
        JsonFormat.parser().merge(properties, props);
        publish(Topics.PROFILE_EVENTS, profile, ProfileEventRecorded.newBuilder()
                .setEnvelope(Envelope.newBuilder().setId(id).setSubject(profile.toString()))
                .setEvent(Event.newBuilder().setId(id).setProfileId(profile.toString()).setName(name)
                        .setOccurTime(Envelopes.timestamp(Instant.now())).setProperties(props))
                .build());
    }

    private void publish(String topic, UUID key, Message message) throws InvalidProtocolBufferException {
        kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(topic), key.toString(), JsonFormat.printer().print(message)))
                .awaitCompletion();
    }

    private Segment create(String definition) throws InvalidProtocolBufferException {
        Struct.Builder struct = Struct.newBuilder();
        JsonFormat.parser().merge(definition, struct);
        return segments.createSegment(CreateSegmentRequest.newBuilder().setName(run + " " + UUID.randomUUID()).setPurpose(MARKETING)
                .setDefinition(struct).build());
    }

    /** What segment.membership announced about one profile in one segment, in order. */
    private List<SegmentMembershipChanged> transitions(Segment segment, UUID profile) {
        List<SegmentMembershipChanged> found = new ArrayList<>();
        for (var record : announced.getRecords()) {
            SegmentMembershipChanged.Builder message = SegmentMembershipChanged.newBuilder();
            try {
                JsonFormat.parser().merge(record.value(), message);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
            if (message.getSegmentId().equals(segment.getId()) && message.getProfileId().equals(profile.toString())) {
                found.add(message.build());
            }
        }
        return found;
    }
}
