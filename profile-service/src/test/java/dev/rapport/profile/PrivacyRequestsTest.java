package dev.rapport.profile;

import static dev.rapport.profile.AttributesTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.profile.v1.EraseProfileRequest;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.ExportProfileRequest;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.IdentifyRequest;
import dev.rapport.proto.profile.v1.ProfileExportPart;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class PrivacyRequestsTest extends CallsProfileService {
    /** Every table that holds something about a profile, and the column naming it. */
    private static final List<String> HOLDERS = List.of("profile.id", "profile.merged_into", "identity.profile_id", "attribute_value.profile_id",
            "event.profile_id", "profile_version.profile_id", "profile_merge.merged_profile_id", "profile_merge.surviving_profile_id",
            "activity.profile_id", "event_day.profile_id", "purchase.profile_id", "engagement_hour.profile_id",
            "support_conversation.profile_id", "timeline_entry.profile_id");

    @Inject
    Pool pool;

    /** A person with two merged profiles, attributes, purchases and engagement: ids of both profiles. */
    private List<UUID> aPersonWithHistory() {
        Identifier visitor = Identifier.newBuilder().setType(Identifier.Type.ANONYMOUS_ID).setValue("cookie-" + UUID.randomUUID()).build();
        Identifier user = Identifier.newBuilder().setType(Identifier.Type.EMAIL).setValue(UUID.randomUUID() + "@example.com").build();
        List<UUID> ids = new ArrayList<>();
        for (Identifier who : List.of(visitor, user)) {
            for (String name : List.of("session_started", "order_placed", "email_opened")) {
                ids.add(UUID.fromString(profiles.recordEvent(RecordEventRequest.newBuilder().setIdentifier(who)
                        .setEvent(Event.newBuilder().setId(UUID.randomUUID().toString()).setName(name)).build()).getProfileId()));
            }
        }
        profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(user).putAttributes("first_name", text("Min-jun"))
                .putAttributes("time_zone", text("Asia/Seoul")).build());
        profiles.identify(IdentifyRequest.newBuilder().setUser(user).addIdentifiers(visitor).build());
        return ids.stream().distinct().toList();
    }

    private long rowsAbout(List<UUID> ids) {
        long total = 0;
        for (String holder : HOLDERS) {
            String[] tableColumn = holder.split("\\.");
            total += pool.preparedQuery("SELECT count(*) FROM " + tableColumn[0] + " WHERE " + tableColumn[1] + " = ANY($1)")
                    .execute(Tuple.of(ids.toArray(UUID[]::new))).await().atMost(Duration.ofSeconds(5)).iterator().next().getLong(0);
        }
        return total;
    }

    @Test
    void anExportHoldsTheProfileItsVersionsItsMergesAndEveryEvent() {
        List<UUID> ids = aPersonWithHistory();
        List<ProfileExportPart> parts = new ArrayList<>();
        profiles.exportProfile(ExportProfileRequest.newBuilder().setProfileId(ids.get(0).toString()).build()).forEachRemaining(parts::add);

        assertEquals(ProfileExportPart.PartCase.PROFILE, parts.get(0).getPartCase());
        assertEquals("Min-jun", parts.get(0).getProfile().getAttributesOrThrow("first_name").getStringValue());
        assertEquals(6, parts.get(0).getProfile().getTraits().getEventCount());
        assertEquals(2, parts.stream().filter(p -> p.getPartCase() == ProfileExportPart.PartCase.VERSION).count(), "the update and the merge");
        assertEquals(1, parts.stream().filter(p -> p.getPartCase() == ProfileExportPart.PartCase.MERGE).count());
        assertEquals(6, parts.stream().filter(p -> p.getPartCase() == ProfileExportPart.PartCase.EVENT).count());
    }

    @Test
    void erasureLeavesNothingOfThePersonAndIsAnnounced() {
        List<UUID> ids = aPersonWithHistory();
        assertTrue(rowsAbout(ids) > 10);

        try (ConsumerTask<String, String> announced = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PROFILE_CHANGES),
                records -> records.filter(r -> ids.contains(UUID.fromString(r.key())) && r.value().contains("\"erased\":true")))) {
            long erased = profiles.eraseProfile(EraseProfileRequest.newBuilder().setProfileId(ids.get(1).toString()).build()).getRecordsErased();
            assertTrue(erased > 10);
            announced.awaitRecords(2, Duration.ofSeconds(15));
        }
        assertEquals(0, rowsAbout(ids));
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(ids.get(0).toString()).build())).getStatus().getCode());
        assertEquals(0, profiles.eraseProfile(EraseProfileRequest.newBuilder().setProfileId(ids.get(0).toString()).build()).getRecordsErased(),
                "erasing again erases nothing, without error");
    }

    @Test
    void anErasureRequestOnTheTopicIsCarriedOutAndConfirmedEvenWhenReadTwice() throws Exception {
        List<UUID> ids = aPersonWithHistory();
        String requestId = "dsr-" + UUID.randomUUID();
        String request = JsonFormat.printer().print(DataSubjectRequest.newBuilder()
                .setEnvelope(Envelope.newBuilder().setId(requestId).setSubject(ids.get(0).toString()))
                .setRequestId(requestId).setSubject(ids.get(0).toString()).setKind(DataSubjectRequest.Kind.ERASURE).build());

        try (ConsumerTask<String, String> progress = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PRIVACY_DSR_PROGRESS),
                records -> records.filter(r -> r.value().contains(requestId)))) {
            kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.PRIVACY_DSR), ids.get(0).toString(), request)).awaitCompletion();
            progress.awaitRecords(1, Duration.ofSeconds(20));
            kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.PRIVACY_DSR), ids.get(0).toString(), request)).awaitCompletion();
            progress.awaitRecords(2, Duration.ofSeconds(20));

            List<DataSubjectRequestProgress> confirmations = new ArrayList<>();
            for (var record : progress.getRecords()) {
                DataSubjectRequestProgress.Builder confirmation = DataSubjectRequestProgress.newBuilder();
                JsonFormat.parser().ignoringUnknownFields().merge(record.value(), confirmation);
                confirmations.add(confirmation.build());
            }
            assertEquals(List.of(DataSubjectRequestProgress.State.COMPLETED, DataSubjectRequestProgress.State.COMPLETED),
                    confirmations.stream().map(DataSubjectRequestProgress::getState).toList());
            assertEquals("profile-service", confirmations.get(0).getService());
            assertTrue(confirmations.get(0).getRecordsAffected() > 10);
            assertEquals(0, confirmations.get(1).getRecordsAffected());
        }
        assertEquals(0, rowsAbout(ids));
    }
}
