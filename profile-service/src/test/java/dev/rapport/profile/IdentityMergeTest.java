package dev.rapport.profile;

import static dev.rapport.profile.AttributesTest.list;
import static dev.rapport.profile.AttributesTest.text;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.AttributeDefinition.MergeRule;
import dev.rapport.proto.profile.v1.AttributeDefinition.Type;
import dev.rapport.proto.profile.v1.CreateAttributeDefinitionRequest;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.IdentifyRequest;
import dev.rapport.proto.profile.v1.IdentifyResponse;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.MergeProfilesRequest;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileMerge;
import dev.rapport.proto.profile.v1.ProfileServiceGrpc;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.ClientStreams;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class IdentityMergeTest extends CallsProfileService {
    @Inject
    Pool pool;

    private static Identifier user() {
        return Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("user-" + UUID.randomUUID()).build();
    }

    private static Identifier visitor() {
        return Identifier.newBuilder().setType(Identifier.Type.ANONYMOUS_ID).setValue("cookie-" + UUID.randomUUID()).build();
    }

    private static RecordEventRequest event(Identifier who, String id, String name, double total) {
        Event.Builder event = Event.newBuilder().setId(id).setName(name);
        if (total > 0) {
            event.setProperties(Struct.newBuilder().putFields("total", Value.newBuilder().setNumberValue(total).build()));
        }
        return RecordEventRequest.newBuilder().setIdentifier(who).setEvent(event).build();
    }

    private String record(Identifier who, String name, double total) {
        return profiles.recordEvent(event(who, UUID.randomUUID().toString(), name, total)).getProfileId();
    }

    private List<Event> allEvents(String profileId) {
        List<Event> all = new ArrayList<>();
        String token = "";
        do {
            ListEventsResponse page = profiles.listEvents(ListEventsRequest.newBuilder().setProfileId(profileId).setPageSize(1000).setPageToken(token).build());
            all.addAll(page.getEventsList());
            token = page.getNextPageToken();
        } while (!token.isEmpty());
        return all;
    }

    private long rows(String sql, UUID profile) {
        return pool.preparedQuery(sql).execute(Tuple.of(profile)).await().atMost(Duration.ofSeconds(10)).iterator().next().getLong(0);
    }

    @Test
    void identifyBringsAnAnonymousVisitorsHistoryToTheKnownUser() throws Exception {
        Identifier visitor = visitor();
        Identifier user = user();
        String anonymous = record(visitor, "product_viewed", 0);
        record(visitor, "order_placed", 20);
        profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(visitor).putAttributes("city", text("Madrid"))
                .putAttributes("language", text("es")).build());
        String known = record(user, "order_placed", 30);
        profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(user).putAttributes("city", text("Barcelona")).build());
        assertNotEquals(anonymous, known);

        try (ConsumerTask<String, String> announced = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PROFILE_CHANGES),
                records -> records.filter(r -> r.key().equals(anonymous) && r.value().contains("mergedIntoProfileId")))) {
            IdentifyResponse identified = profiles.identify(IdentifyRequest.newBuilder().setUser(user).addIdentifiers(visitor).setSource("web-login").build());

            assertEquals(known, identified.getProfileId());
            assertEquals(1, identified.getMergesCount());
            ProfileMerge merge = identified.getMerges(0);
            assertEquals(anonymous, merge.getMergedProfileId());
            assertEquals("identify: ANONYMOUS_ID linked to EXTERNAL_ID", merge.getReason());
            announced.awaitRecords(1, Duration.ofSeconds(15));
            assertTrue(announced.getLastRecord().value().contains("\"mergedIntoProfileId\":\"" + known + "\""));
        }

        Profile survivor = profiles.getProfile(GetProfileRequest.newBuilder().setIdentifier(visitor).build());
        assertEquals(known, survivor.getId(), "the anonymous id finds the known user now");
        assertEquals(known, profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(anonymous).build()).getId(), "so does the old profile id");
        assertEquals(Set.of(user, visitor), new HashSet<>(survivor.getIdentifiersList()));
        assertEquals("Barcelona", survivor.getAttributesOrThrow("city").getStringValue(), "the newest value wins");
        assertEquals("es", survivor.getAttributesOrThrow("language").getStringValue(), "what only the visitor had moves over");
        assertEquals(3, survivor.getTraits().getEventCount());
        assertEquals(2, survivor.getTraits().getPurchases(0).getCount());
        assertEquals(50.0, survivor.getTraits().getPurchases(0).getTotal());
        assertEquals(3, allEvents(known).size());
        await().atMost(Duration.ofSeconds(20)).until(() -> rows("SELECT count(*) FROM event WHERE profile_id = $1", UUID.fromString(anonymous)) == 0);
        assertEquals(0, rows("SELECT count(*) FROM attribute_value WHERE profile_id = $1", UUID.fromString(anonymous)));
        assertEquals(0, rows("SELECT count(*) FROM activity WHERE profile_id = $1", UUID.fromString(anonymous)));

        IdentifyResponse again = profiles.identify(IdentifyRequest.newBuilder().setUser(user).addIdentifiers(visitor).build());
        assertEquals(known, again.getProfileId());
        assertEquals(0, again.getMergesCount(), "identifying again merges nothing");
        assertEquals(3, profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(known).build()).getTraits().getEventCount());
    }

    @Test
    void eachAttributeMergesByItsOwnRule() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        profiles.createAttributeDefinition(CreateAttributeDefinitionRequest.newBuilder().setDefinition(AttributeDefinition.newBuilder()
                .setName("signup_channel_" + suffix).setType(Type.STRING).setDataCategory("user.behavior").setMergeRule(MergeRule.OLDEST_WINS)).build());
        profiles.createAttributeDefinition(CreateAttributeDefinitionRequest.newBuilder().setDefinition(AttributeDefinition.newBuilder()
                .setName("interests_" + suffix).setType(Type.LIST).setDataCategory("user.demographic.profile").setMergeRule(MergeRule.UNION)).build());
        Identifier visitor = visitor();
        Identifier user = user();
        Profile older = profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(visitor)
                .putAttributes("signup_channel_" + suffix, text("instagram")).putAttributes("interests_" + suffix, list("sushi", "ramen")).build());
        Profile newer = profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(user)
                .putAttributes("signup_channel_" + suffix, text("newsletter")).putAttributes("interests_" + suffix, list("ramen", "tacos")).build());

        ProfileMerge merge = profiles.mergeProfiles(MergeProfilesRequest.newBuilder().setSurvivingProfileId(newer.getId())
                .setMergedProfileId(older.getId()).setReason("support agent confirmed one person").build());

        Profile merged = profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(newer.getId()).build());
        assertEquals("instagram", merged.getAttributesOrThrow("signup_channel_" + suffix).getStringValue(), "the oldest value wins");
        assertEquals(List.of("ramen", "tacos", "sushi"), merged.getAttributesOrThrow("interests_" + suffix).getListValue().getValuesList().stream()
                .map(Value::getStringValue).toList(), "lists are joined");
        assertEquals(merge, profiles.mergeProfiles(MergeProfilesRequest.newBuilder().setSurvivingProfileId(newer.getId())
                .setMergedProfileId(older.getId()).build()), "merging again answers the first merge");
    }

    @Test
    void identifyWillNotJoinTwoKnownUsersButAnOperatorMayMergeThem() {
        Identifier alice = user();
        Identifier bob = user();
        String aliceProfile = record(alice, "app_opened", 0);
        String bobProfile = record(bob, "app_opened", 0);

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> profiles.identify(IdentifyRequest.newBuilder().setUser(alice).addIdentifiers(bob).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertEquals(bobProfile, profiles.getProfile(GetProfileRequest.newBuilder().setIdentifier(bob).build()).getId(), "nothing moved");

        profiles.mergeProfiles(MergeProfilesRequest.newBuilder().setSurvivingProfileId(aliceProfile).setMergedProfileId(bobProfile).build());
        assertEquals(aliceProfile, profiles.getProfile(GetProfileRequest.newBuilder().setIdentifier(bob).build()).getId());
        StatusRuntimeException backwards = assertThrows(StatusRuntimeException.class, () -> profiles.mergeProfiles(
                MergeProfilesRequest.newBuilder().setSurvivingProfileId(bobProfile).setMergedProfileId(aliceProfile).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, backwards.getStatus().getCode());
    }

    @Test
    void aMergeOfALongHistoryRacingIncomingEventsLosesNothingAndCountsNothingTwice() throws Exception {
        Identifier visitor = visitor();
        Identifier user = user();
        String run = UUID.randomUUID().toString();
        var streams = ProfileServiceGrpc.newStub(channel);
        List<RecordEventRequest> history = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            history.add(event(visitor, run + "-h" + i, i % 10 == 0 ? "order_placed" : "product_viewed", i % 10 == 0 ? 10 : 0));
        }
        assertEquals(10_000, ClientStreams.send(streams::recordEvents, history).get(120, TimeUnit.SECONDS).getRecorded());
        String known = record(user, "app_opened", 0);

        // While the merge happens, both identifiers keep sending: some events are resolved before it, some after.
        List<RecordEventRequest> racing = new ArrayList<>();
        for (int i = 0; i < 4_000; i++) {
            racing.add(event(i % 2 == 0 ? visitor : user, run + "-r" + i, "app_opened", 0));
        }
        CompletableFuture<RecordEventsResponse> sent = ClientStreams.send(streams::recordEvents, racing);
        Thread.sleep(50);
        IdentifyResponse identified = profiles.identify(IdentifyRequest.newBuilder().setUser(user).addIdentifiers(visitor).build());
        assertEquals(4_000, sent.get(120, TimeUnit.SECONDS).getRecorded());

        assertEquals(known, identified.getProfileId());
        assertEquals(1, identified.getMergesCount());
        UUID merged = UUID.fromString(identified.getMerges(0).getMergedProfileId());
        await().atMost(Duration.ofSeconds(60)).until(() -> rows("SELECT count(*) FROM event WHERE profile_id = $1", merged) == 0);
        assertEquals(14_001, rows("SELECT count(*) FROM event WHERE profile_id = $1", UUID.fromString(known)), "every event is on the survivor");
        Profile survivor = profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(known).build());
        assertEquals(14_001, survivor.getTraits().getEventCount(), "and counted exactly once");
        assertEquals(1_000, survivor.getTraits().getPurchases(0).getCount());
        assertEquals(14_001, allEvents(known).stream().map(Event::getId).distinct().count());
        assertEquals(1, rows("SELECT count(*) FROM profile_merge WHERE merged_profile_id = $1 AND events_moved", merged));
    }
}
