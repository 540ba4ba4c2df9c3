package dev.rapport.segment;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

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
import dev.rapport.proto.privacy.v1.PurposeConsent;
import dev.rapport.proto.profile.v1.AttributeChange;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.proto.segment.v1.ComputeRfmRequest;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.RfmModel;
import dev.rapport.proto.segment.v1.RfmRun;
import dev.rapport.proto.segment.v1.ScoreRange;
import dev.rapport.proto.segment.v1.UpdateRfmModelRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentRequest;
import dev.rapport.proto.segment.v1.ExplainMembershipRequest;
import dev.rapport.proto.segment.v1.Explanation;
import dev.rapport.proto.segment.v1.GetSegmentRequest;
import dev.rapport.proto.segment.v1.ListMembersRequest;
import dev.rapport.proto.segment.v1.ListMembershipsRequest;
import dev.rapport.proto.segment.v1.ListSizeHistoryRequest;
import dev.rapport.proto.segment.v1.PreviewSegmentRequest;
import dev.rapport.proto.segment.v1.Segment;
import dev.rapport.proto.segment.v1.SegmentMembershipChanged;
import dev.rapport.proto.segment.v1.SegmentServiceGrpc;
import dev.rapport.proto.segment.v1.SegmentSize;
import dev.rapport.proto.segment.v1.StreamMembersRequest;
import dev.rapport.proto.segment.v1.UpdateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentResponse;
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

/**
 * Segments through segment-service's API and topics, on real PostgreSQL and Kafka: facts arrive on profile.events,
 * profile.changes and privacy.consent as the other services publish them, and memberships are announced on
 * segment.membership. Each test marks its profiles with its own first name, so segments never see another test's.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileSchemaStandIn.class)
class SegmentsTest {
    private static final String MARKETING = "marketing.communications";
    private static final String ESSENTIAL = "essential.service";
    private static final Duration SOON = Duration.ofSeconds(30);

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

    @jakarta.inject.Inject
    dev.rapport.segment.segment.BatchWork batch;
    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @Test
    void aQueryOverEveryoneGetsBatchMemoryInItsTransactionOnly() {
        String inside = pool.withTransaction(tx -> batch.begin(tx).flatMap(x -> tx.query("SHOW work_mem").execute()))
                .map(rows -> rows.iterator().next().getString(0)).await().atMost(SOON);
        assertEquals("256MB", inside);
        String outside = pool.query("SHOW work_mem").execute().map(rows -> rows.iterator().next().getString(0)).await().atMost(SOON);
        assertFalse(outside.equals(inside), "the server's own setting outside: " + outside);
    }

    @Test
    void anEventArrivingBringsTheProfileInAndItIsAnnouncedAndExplained() throws Exception {
        UUID profile = profile(); // marked with this run's first name
        consent(profile, 1, MARKETING, true);
        Segment segment = create(and(mine(), """
                {"kind": "event", "event": "order_placed", "where": [{"property": "total", "operator": "gte", "value": 20}],
                 "count": {"at_least": 2}, "window": {"last": "P30D"}}"""), MARKETING);
        assertEquals(1, segment.getVersion());
        assertEquals(0, segment.getSize().getMembers());

        String first = event(profile, "order_placed", Instant.now(), "{\"total\": 25}");
        event(profile, "order_placed", Instant.now(), "{\"total\": 5}"); // too small: does not count
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> transitions(segment).isEmpty());
        String third = event(profile, "order_placed", Instant.now(), "{\"total\": 40.5}");

        SegmentMembershipChanged entered = await().atMost(SOON).until(() -> transitions(segment), t -> t.size() == 1).get(0);
        assertEquals(SegmentMembershipChanged.Transition.ENTERED, entered.getTransition());
        assertEquals(profile.toString(), entered.getProfileId());
        assertEquals(1, entered.getSegmentVersion());
        assertEquals(profile.toString(), entered.getEnvelope().getSubject());

        assertEquals(List.of(profile.toString()), members(segment));
        assertTrue(segments.listMemberships(ListMembershipsRequest.newBuilder().setProfileId(profile.toString()).build())
                .getMembershipsList().stream().anyMatch(m -> m.getSegmentId().equals(segment.getId())));

        Explanation why = segments.explainMembership(ExplainMembershipRequest.newBuilder().setSegmentId(segment.getId())
                .setProfileId(profile.toString()).build());
        assertTrue(why.getMember() && why.getMatches());
        var eventNode = why.getRoot().getChildren(1);
        assertEquals("definition.of[1]", eventNode.getField());
        assertTrue(eventNode.getValue());
        assertEquals(Set.of(first, third), Set.copyOf(eventNode.getEventIdsList()));
        assertTrue(eventNode.getDetail().startsWith("2 matching events"), eventNode.getDetail());

        // The same records read again change nothing.
        event(profile, "order_placed", Instant.now(), "{\"total\": 25}", first);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> transitions(segment).size() == 1);
    }

    @Test
    void timePassingTakesAProfileOutWithoutAnyEvent() throws Exception {
        UUID profile = profile();
        Segment segment = create(and(mine(), """
                {"kind": "event", "event": "app_opened", "window": {"last": "PT6S"}}"""), ESSENTIAL);
        event(profile, "app_opened", Instant.now(), "{}");
        await().atMost(SOON).until(() -> transitions(segment).size() == 1);
        // No event: the clock (every 2 s in tests) sees the window move past it.
        List<SegmentMembershipChanged> both = await().atMost(SOON).until(() -> transitions(segment), t -> t.size() == 2);
        assertEquals(SegmentMembershipChanged.Transition.EXITED, both.get(1).getTransition());
        assertEquals(List.of(), members(segment));
        assertFalse(segments.listSizeHistory(ListSizeHistoryRequest.newBuilder().setSegmentId(segment.getId()).build())
                .getSizesList().isEmpty());
    }

    @Test
    void withdrawingConsentTakesTheProfileOutOfMarketingSegmentsAndTheCountSaysWhy() throws Exception {
        UUID profile = profile();
        attributes(profile, "country", Value.newBuilder().setStringValue("ES").build());
        consent(profile, 1, MARKETING, true);
        String definition = and(mine(), "{\"kind\": \"attribute\", \"attribute\": \"country\", \"operator\": \"eq\", \"value\": \"ES\"}");
        await().atMost(SOON).until(() -> preview(definition, MARKETING).getMembers() == 1);
        Segment segment = create(definition, MARKETING);
        assertEquals(1, segment.getSize().getMembers());
        assertEquals(SegmentMembershipChanged.Transition.ENTERED,
                await().atMost(SOON).until(() -> transitions(segment), t -> t.size() == 1).get(0).getTransition());

        consent(profile, 2, MARKETING, false);
        assertEquals(SegmentMembershipChanged.Transition.EXITED,
                await().atMost(SOON).until(() -> transitions(segment), t -> t.size() == 2).get(1).getTransition());
        SegmentSize size = preview(definition, MARKETING);
        assertEquals(0, size.getMembers());
        assertEquals(1, size.getExcluded());
        assertEquals("consent withdrawn", size.getExclusions(0).getReason());
        Explanation why = segments.explainMembership(ExplainMembershipRequest.newBuilder().setSegmentId(segment.getId())
                .setProfileId(profile.toString()).build());
        assertTrue(why.getMatches());
        assertFalse(why.getMember());
        assertEquals("consent withdrawn for " + MARKETING, why.getExclusionReason());
        // The same definition for an essential purpose keeps them.
        assertEquals(1, preview(definition, ESSENTIAL).getMembers());
    }

    @Test
    void inCaliforniaSharingHoldsUntilTheOptOutAndAWithdrawnBroaderPurposeCoversTheNarrowerOne() throws Exception {
        UUID californian = profile();
        UUID german = profile();
        for (UUID p : List.of(californian, german)) {
            attributes(p, "city", Value.newBuilder().setStringValue("Springfield").build());
        }
        consent(californian, 1, "US-CA", PurposeConsent.newBuilder().setPurpose("analytics").setGranted(true).setMethod("form"));
        consent(german, 1, "DE", PurposeConsent.newBuilder().setPurpose(MARKETING).setGranted(true).setMethod("form")
                .setDecisionTime(Envelopes.timestamp(Instant.now().minusSeconds(3600))));
        String definition = and(mine(), "{\"kind\": \"attribute\", \"attribute\": \"city\", \"operator\": \"eq\", \"value\": \"Springfield\"}");
        // Opt-out under the CCPA: a Californian who never objected may be shared; a German who never agreed may not.
        await().atMost(SOON).until(() -> preview(definition, "third_party_sharing").getMembers() == 1);
        Segment sharing = create(definition, "third_party_sharing");
        assertEquals(1, sharing.getSize().getMembers());
        assertEquals(1, sharing.getSize().getExcluded());

        consent(californian, 2, "US-CA", PurposeConsent.newBuilder().setPurpose("analytics").setGranted(true).setMethod("form"),
                PurposeConsent.newBuilder().setPurpose("third_party_sharing").setGranted(false).setMethod("gpc"));
        assertEquals(SegmentMembershipChanged.Transition.EXITED,
                await().atMost(SOON).until(() -> transitions(sharing), t -> t.size() == 2).get(1).getTransition());

        // The German granted marketing messages, the Californian never objected; the German later withdrew all
        // marketing, which covers the earlier, narrower grant.
        assertEquals(2, preview(definition, MARKETING).getMembers());
        consent(german, 2, "DE", PurposeConsent.newBuilder().setPurpose(MARKETING).setGranted(true).setMethod("form")
                .setDecisionTime(Envelopes.timestamp(Instant.now().minusSeconds(3600))),
                PurposeConsent.newBuilder().setPurpose("marketing").setGranted(false).setMethod("form").setDecisionTime(Envelopes.timestamp(Instant.now())));
        await().atMost(SOON).until(() -> preview(definition, MARKETING).getMembers() == 1);
    }

    @Test
    void editingASegmentAnnouncesOnlyTheDifferences() throws Exception {
        UUID spain = profile();
        UUID korea = profile();
        UUID usa = profile();
        attributes(spain, "country", Value.newBuilder().setStringValue("ES").build());
        attributes(korea, "country", Value.newBuilder().setStringValue("KR").build());
        attributes(usa, "country", Value.newBuilder().setStringValue("US").build());
        String before = and(mine(), "{\"kind\": \"attribute\", \"attribute\": \"country\", \"operator\": \"in\", \"value\": [\"ES\", \"KR\"]}");
        await().atMost(SOON).until(() -> preview(before, ESSENTIAL).getMembers() == 2);
        Segment segment = create(before, ESSENTIAL);
        await().atMost(SOON).until(() -> transitions(segment).size() == 2);

        Segment edited = segments.updateSegment(UpdateSegmentRequest.newBuilder().setId(segment.getId()).setExpectedVersion(1)
                .setName(segment.getName()).setPurpose(ESSENTIAL)
                .setDefinition(struct(and(mine(), "{\"kind\": \"attribute\", \"attribute\": \"country\", \"operator\": \"in\", \"value\": [\"KR\", \"US\"]}")))
                .build());
        assertEquals(2, edited.getVersion());
        List<SegmentMembershipChanged> all = await().atMost(SOON).until(() -> transitions(segment), t -> t.size() == 4);
        List<SegmentMembershipChanged> edits = all.subList(2, 4);
        assertEquals(Set.of("EXITED " + spain + " v2", "ENTERED " + usa + " v2"),
                edits.stream().map(t -> t.getTransition() + " " + t.getProfileId() + " v" + t.getSegmentVersion()).collect(Collectors.toSet()));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> transitions(segment).size() == 4);

        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> segments.updateSegment(UpdateSegmentRequest
                .newBuilder().setId(segment.getId()).setExpectedVersion(1).setName("x").setPurpose(ESSENTIAL).setDefinition(struct(before)).build()));
        assertEquals(Status.Code.ABORTED, stale.getStatus().getCode());

        List<String> streamed = new ArrayList<>();
        segments.streamMembers(StreamMembersRequest.newBuilder().setSegmentId(segment.getId()).build())
                .forEachRemaining(m -> streamed.add(m.getProfileId()));
        assertEquals(Set.of(korea.toString(), usa.toString()), Set.copyOf(streamed));
    }

    @Test
    void aMergedProfileLeavesAndItsEventsCountForTheSurvivor() throws Exception {
        UUID merged = profile();
        UUID survivor = profile();
        Segment segment = create(and(mine(), "{\"kind\": \"event\", \"event\": \"order_placed\", \"count\": {\"at_least\": 2}}"), ESSENTIAL);
        event(merged, "order_placed", Instant.now(), "{}");
        event(merged, "order_placed", Instant.now(), "{}");
        event(survivor, "order_placed", Instant.now(), "{}");
        await().atMost(SOON).until(() -> transitions(segment).size() == 1);

        publish(Topics.PROFILE_CHANGES, merged, ProfileChanged.newBuilder().setProfileId(merged.toString()).setVersion(++version)
                .setMergedIntoProfileId(survivor.toString()).build());
        List<SegmentMembershipChanged> t = await().atMost(SOON).until(() -> transitions(segment), x -> x.size() == 3);
        assertEquals(Set.of("EXITED " + merged, "ENTERED " + survivor),
                t.subList(1, 3).stream().map(x -> x.getTransition() + " " + x.getProfileId()).collect(Collectors.toSet()));

        // An event still in flight under the old id counts for the survivor.
        event(merged, "order_placed", Instant.now(), "{}");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> transitions(segment).size() == 3);
        assertEquals(List.of(survivor.toString()), members(segment));

        publish(Topics.PROFILE_CHANGES, survivor, ProfileChanged.newBuilder().setProfileId(survivor.toString()).setVersion(++version)
                .setErased(true).build());
        assertEquals(SegmentMembershipChanged.Transition.EXITED,
                await().atMost(SOON).until(() -> transitions(segment), x -> x.size() == 4).get(3).getTransition());
        // An event of the erased profile still in flight does not bring it back.
        event(survivor, "order_placed", Instant.now(), "{}");
        event(merged, "order_placed", Instant.now(), "{}");
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> transitions(segment).size() == 4);
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> segments.explainMembership(
                ExplainMembershipRequest.newBuilder().setSegmentId(segment.getId()).setProfileId(survivor.toString()).build()));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
    }

    @Test
    void onePollOfAttributeChangesAMergeAndAnErasureAppliesEachInItsPlace() throws Exception {
        UUID merged = profile();
        UUID survivor = profile();
        UUID erased = profile();
        Segment segment = create(and(mine(), "{\"kind\": \"attribute\", \"attribute\": \"city\", \"operator\": \"eq\", \"value\": \"Girona\"}"),
                ESSENTIAL);
        Value girona = Value.newBuilder().setStringValue("Girona").build();
        // Published together, as a bulk import and a merge and an erasure would be: the consumer gets them in one poll.
        List<ProfileChanged> changes = List.of(
                change(merged).addChanges(AttributeChange.newBuilder().setAttribute("city").setNewValue(girona)).build(),
                change(erased).addChanges(AttributeChange.newBuilder().setAttribute("city").setNewValue(girona)).build(),
                change(merged).setMergedIntoProfileId(survivor.toString()).build(),
                change(survivor).addChanges(AttributeChange.newBuilder().setAttribute("city").setNewValue(girona)).build(),
                change(erased).setErased(true).build());
        List<org.apache.kafka.clients.producer.ProducerRecord<String, String>> records = new ArrayList<>();
        for (ProfileChanged c : changes) {
            records.add(KafkaCompanion.record(TestTopics.of(Topics.PROFILE_CHANGES), c.getProfileId(), JsonFormat.printer().print(c)));
        }
        kafka.produceStrings().fromRecords(records).awaitCompletion();

        await().atMost(SOON).until(() -> members(segment), m -> m.equals(List.of(survivor.toString())));
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> last(transitions(segment)).equals(Map.of(
                survivor.toString(), SegmentMembershipChanged.Transition.ENTERED,
                merged.toString(), SegmentMembershipChanged.Transition.EXITED,
                erased.toString(), SegmentMembershipChanged.Transition.EXITED)));
        // The same poll read again (a consumer restarted before its commit) changes nothing.
        kafka.produceStrings().fromRecords(records).awaitCompletion();
        int announced = transitions(segment).size();
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> transitions(segment).size() == announced);
        assertEquals(List.of(survivor.toString()), members(segment));
    }

    private ProfileChanged.Builder change(UUID profile) {
        return ProfileChanged.newBuilder().setProfileId(profile.toString()).setVersion(++version);
    }

    /** Each profile's last announced transition. */
    private static Map<String, SegmentMembershipChanged.Transition> last(List<SegmentMembershipChanged> transitions) {
        Map<String, SegmentMembershipChanged.Transition> last = new java.util.HashMap<>();
        transitions.forEach(t -> last.put(t.getProfileId(), t.getTransition()));
        return last;
    }

    @Test
    void badDefinitionsAreRefusedWithTheNodeThatIsWrong() throws Exception {
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> segments.createSegment(CreateSegmentRequest.newBuilder()
                .setName(run).setPurpose("world_domination").setDefinition(struct("""
                        {"kind": "and", "of": [{"kind": "attribute", "attribute": "shoe_size", "operator": "eq", "value": 42},
                                               {"kind": "event", "event": "x", "window": {"last": "P99999D"}}]}""")).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertEquals(List.of("purpose", "definition.of[0].attribute", "definition.of[1].window.last"), GrpcFailures.badRequestFields(bad));

        ValidateSegmentResponse checked = segments.validateSegment(ValidateSegmentRequest.newBuilder().setPurpose(MARKETING)
                .setDefinition(struct("{\"kind\": \"attribute\", \"attribute\": \"loyalty_points\", \"operator\": \"contains\", \"value\": 3}")).build());
        assertFalse(checked.getValid());
        assertEquals("definition.operator", checked.getProblems(0).getField());

        Segment base = create(mine(), ESSENTIAL);
        Segment referring = create(and(mine(), "{\"kind\": \"segment\", \"segment_id\": \"" + base.getId() + "\"}"), ESSENTIAL);
        StatusRuntimeException cycle = assertThrows(StatusRuntimeException.class, () -> segments.updateSegment(UpdateSegmentRequest.newBuilder()
                .setId(base.getId()).setName(base.getName()).setPurpose(ESSENTIAL)
                .setDefinition(struct("{\"kind\": \"segment\", \"segment_id\": \"" + referring.getId() + "\"}")).build()));
        assertEquals(List.of("definition.segment_id"), GrpcFailures.badRequestFields(cycle));
        StatusRuntimeException inUse = assertThrows(StatusRuntimeException.class,
                () -> segments.deleteSegment(DeleteSegmentRequest.newBuilder().setId(base.getId()).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, inUse.getStatus().getCode());
        segments.deleteSegment(DeleteSegmentRequest.newBuilder().setId(referring.getId()).build());
        segments.deleteSegment(DeleteSegmentRequest.newBuilder().setId(base.getId()).build());
        segments.deleteSegment(DeleteSegmentRequest.newBuilder().setId(base.getId()).build()); // idempotent
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> segments.getSegment(GetSegmentRequest.newBuilder().setId(base.getId()).build())).getStatus().getCode());
    }

    @Test
    void rfmScoresNameSegmentsThatDefinitionsUseAndTheMovesAreCounted() throws Exception {
        // Only this test's purchases are in XTS (the ISO 4217 code for tests), so only its profiles are scored.
        List<UUID> p = new ArrayList<>();
        int[] purchases = {5, 4, 3, 2, 1};
        int[] daysAgo = {0, 2, 10, 100, 300};
        int[] totals = {500, 300, 200, 100, 10};
        for (int i = 0; i < 5; i++) {
            UUID profile = profile();
            p.add(profile);
            for (int n = 0; n < purchases[i]; n++) {
                Instant at = Instant.now().minus(Duration.ofDays(daysAgo[i])).minus(Duration.ofMinutes(n + 1));
                event(profile, "purchase", at, "{\"total\": " + (totals[i] / purchases[i]) + ", \"currency\": \"XTS\"}");
            }
        }
        for (int i = 0; i < 5; i++) {
            int index = i;
            await().atMost(SOON).ignoreExceptions().until(() -> segments.getEngagement(dev.rapport.proto.segment.v1.GetEngagementRequest
                    .newBuilder().setProfileId(p.get(index).toString()).build()).getEventCount() == purchases[index]);
        }
        RfmModel model = segments.updateRfmModel(UpdateRfmModelRequest.newBuilder().setWindow("P365D").setCurrency("XTS").build());
        assertEquals(5, model.getLatestRun().getProfilesScored());
        assertEquals(Long.valueOf(2), model.getLatestRun().getSegmentSizesMap().get("Champions"));
        assertEquals(Long.valueOf(1), model.getLatestRun().getSegmentSizesMap().get("Lost"));

        Segment champions = create(and(mine(), "{\"kind\": \"rfm\", \"score\": \"segment\", \"operator\": \"eq\", \"value\": \"Champions\"}"), ESSENTIAL);
        assertEquals(Set.of(p.get(0).toString(), p.get(1).toString()), Set.copyOf(members(champions)));
        Segment lost = create(and(mine(), "{\"kind\": \"rfm\", \"score\": \"recency\", \"operator\": \"lte\", \"value\": 1}"), ESSENTIAL);
        assertEquals(List.of(p.get(4).toString()), members(lost));

        // The lost customer comes back with a big order: the next run moves them, and the RFM segments follow.
        event(p.get(4), "purchase", Instant.now(), "{\"total\": 1000, \"currency\": \"XTS\"}");
        await().atMost(SOON).ignoreExceptions().until(() -> segments.getEngagement(dev.rapport.proto.segment.v1.GetEngagementRequest
                .newBuilder().setProfileId(p.get(4).toString()).build()).getEventCount() == 2);
        RfmRun run = segments.computeRfm(ComputeRfmRequest.getDefaultInstance());
        assertTrue(run.getTransitionsList().stream().anyMatch(t -> t.getFromSegment().equals("Lost")
                && t.getToSegment().equals("Potential Loyalists") && t.getProfiles() == 1), run.getTransitionsList().toString());
        assertFalse(members(lost).contains(p.get(4).toString()));
        // the run's progress: scoring, then each segment that uses RFM (these two at least), all done
        var progress = segments.getRfmModel(dev.rapport.proto.segment.v1.GetRfmModelRequest.getDefaultInstance()).getProgress();
        assertTrue(progress.getFinished() && progress.getPercent() == 100 && progress.getTotal() >= 3 && progress.getDone() == progress.getTotal(),
                progress.toString());
        assertEquals("finished: " + run.getProfilesScored() + " profiles scored", progress.getStage());
        assertTrue(transitions(lost).stream().anyMatch(t -> t.getTransition() == SegmentMembershipChanged.Transition.EXITED
                && t.getProfileId().equals(p.get(4).toString())));

        StatusRuntimeException gap = assertThrows(StatusRuntimeException.class, () -> segments.updateRfmModel(UpdateRfmModelRequest.newBuilder()
                .addRules(dev.rapport.proto.segment.v1.RfmRule.newBuilder().setName("Only the best")
                        .setRecency(ScoreRange.newBuilder().setMin(5).setMax(5)).setFrequency(ScoreRange.newBuilder().setMin(1).setMax(5))
                        .setMonetary(ScoreRange.newBuilder().setMin(1).setMax(5))).build()));
        assertEquals(List.of("rules"), GrpcFailures.badRequestFields(gap));
        segments.updateRfmModel(UpdateRfmModelRequest.newBuilder().setWindow("P365D").setCurrency("EUR").build());
    }

    // ---- helpers ----

    /** The condition that keeps a test's segments to its own profiles. */
    private String mine() {
        return "{\"kind\": \"attribute\", \"attribute\": \"first_name\", \"operator\": \"eq\", \"value\": \"" + run + "\"}";
    }

    private static String and(String a, String b) {
        return "{\"kind\": \"and\", \"of\": [" + a + ", " + b + "]}";
    }

    private UUID profile() throws InvalidProtocolBufferException {
        UUID id = UUID.randomUUID();
        attributes(id, "first_name", Value.newBuilder().setStringValue(run).build());
        return id;
    }

    private void attributes(UUID profile, String name, Value value) throws InvalidProtocolBufferException {
        publish(Topics.PROFILE_CHANGES, profile, ProfileChanged.newBuilder().setProfileId(profile.toString()).setVersion(++version)
                .addChanges(AttributeChange.newBuilder().setAttribute(name).setNewValue(value)).build());
    }

    private void consent(UUID profile, long consentVersion, String purpose, boolean granted) throws InvalidProtocolBufferException {
        publish(Topics.PRIVACY_CONSENT, profile, ConsentState.newBuilder().setSubject(profile.toString()).setVersion(consentVersion)
                .addPurposes(PurposeConsent.newBuilder().setPurpose(purpose).setGranted(granted).setMethod("api")).build());
    }

    private void consent(UUID profile, long consentVersion, String jurisdiction, PurposeConsent.Builder... decisions)
            throws InvalidProtocolBufferException {
        ConsentState.Builder state = ConsentState.newBuilder().setSubject(profile.toString()).setVersion(consentVersion).setJurisdiction(jurisdiction);
        for (PurposeConsent.Builder decision : decisions) {
            state.addPurposes(decision);
        }
        publish(Topics.PRIVACY_CONSENT, profile, state.build());
    }

    private String event(UUID profile, String name, Instant at, String properties) throws InvalidProtocolBufferException {
        return event(profile, name, at, properties, UUID.randomUUID().toString());
    }

    private String event(UUID profile, String name, Instant at, String properties, String id) throws InvalidProtocolBufferException {
        Struct.Builder props = Struct.newBuilder();
        JsonFormat.parser().merge(properties, props);
        publish(Topics.PROFILE_EVENTS, profile, ProfileEventRecorded.newBuilder()
                .setEnvelope(Envelope.newBuilder().setId(id).setSubject(profile.toString()))
                .setEvent(Event.newBuilder().setId(id).setProfileId(profile.toString()).setName(name)
                        .setOccurTime(Envelopes.timestamp(at)).setProperties(props))
                .build());
        return id;
    }

    private void publish(String topic, UUID key, Message message) throws InvalidProtocolBufferException {
        kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(topic), key.toString(), JsonFormat.printer().print(message)))
                .awaitCompletion();
    }

    private Segment create(String definition, String purpose) throws InvalidProtocolBufferException {
        return segments.createSegment(CreateSegmentRequest.newBuilder().setName(run + " " + UUID.randomUUID()).setPurpose(purpose)
                .setDefinition(struct(definition)).build());
    }

    private SegmentSize preview(String definition, String purpose) throws InvalidProtocolBufferException {
        return segments.previewSegment(PreviewSegmentRequest.newBuilder().setPurpose(purpose).setDefinition(struct(definition)).build());
    }

    private List<String> members(Segment segment) {
        return segments.listMembers(ListMembersRequest.newBuilder().setSegmentId(segment.getId()).build())
                .getMembersList().stream().map(m -> m.getProfileId()).toList();
    }

    private List<SegmentMembershipChanged> transitions(Segment segment) {
        List<SegmentMembershipChanged> found = new ArrayList<>();
        for (var record : announced.getRecords()) {
            SegmentMembershipChanged.Builder message = SegmentMembershipChanged.newBuilder();
            try {
                JsonFormat.parser().merge(record.value(), message);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
            if (message.getSegmentId().equals(segment.getId())) {
                found.add(message.build());
            }
        }
        return found;
    }

    private static Struct struct(String json) throws InvalidProtocolBufferException {
        Struct.Builder struct = Struct.newBuilder();
        JsonFormat.parser().merge(json, struct);
        return struct.build();
    }
}
