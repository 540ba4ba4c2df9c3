package dev.rapport.profile;

import static dev.rapport.profile.AttributesTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import dev.rapport.proto.privacy.v1.SubjectIdentifier;
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
        return aPersonWithHistory(Identifier.newBuilder().setType(Identifier.Type.ANONYMOUS_ID).setValue("cookie-" + UUID.randomUUID()).build(),
                Identifier.newBuilder().setType(Identifier.Type.EMAIL).setValue(UUID.randomUUID() + "@example.com").build());
    }

    /** The same, known by a visitor cookie and then by an email. */
    private List<UUID> aPersonWithHistory(Identifier visitor, Identifier user) {
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
        DataSubjectRequest erasure = request(ids.get(0), DataSubjectRequest.Kind.ERASURE);

        List<DataSubjectRequestProgress> confirmations = carryOut(2, erasure, erasure);
        assertEquals(List.of(DataSubjectRequestProgress.State.COMPLETED, DataSubjectRequestProgress.State.COMPLETED),
                confirmations.stream().map(DataSubjectRequestProgress::getState).toList());
        assertEquals("profile-service", confirmations.get(0).getService());
        assertEquals(DataSubjectRequest.Kind.ERASURE, confirmations.get(0).getKind());
        assertTrue(confirmations.get(0).getRecordsAffected() > 10);
        assertEquals(0, confirmations.get(1).getRecordsAffected());
        assertEquals(0, rowsAbout(ids));
    }

    @Test
    void theErasureCheckFindsThePersonBeforeNothingAfterAndAProfileCreatedAgainUnderTheirEmail() throws Exception {
        Identifier visitor = Identifier.newBuilder().setType(Identifier.Type.ANONYMOUS_ID).setValue("cookie-" + UUID.randomUUID()).build();
        Identifier email = Identifier.newBuilder().setType(Identifier.Type.EMAIL).setValue(UUID.randomUUID() + "@example.com").build();
        List<UUID> ids = aPersonWithHistory(visitor, email);
        // The gateway names the survivor and every identifier the person was known by.
        UUID survivor = UUID.fromString(profiles.getProfile(GetProfileRequest.newBuilder().setIdentifier(email).build()).getId());

        DataSubjectRequestProgress before = carryOut(1, check(survivor, visitor, email)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE_CHECK, before.getKind());
        assertEquals(DataSubjectRequestProgress.State.COMPLETED, before.getState());
        assertTrue(before.getRecordsAffected() > 10, before.toString());
        assertTrue(before.getDetail().startsWith("still held: ") && before.getDetail().contains("event: 6"), before.getDetail());
        assertFalse(before.getDetail().contains(email.getValue()), "where, never what");
        assertTrue(rowsAbout(ids) > 10, "the check changed nothing");

        carryOut(1, request(survivor, DataSubjectRequest.Kind.ERASURE));
        DataSubjectRequestProgress after = carryOut(1, check(survivor, visitor, email)).get(0);
        assertEquals(DataSubjectRequest.Kind.ERASURE_CHECK, after.getKind());
        assertEquals(0, after.getRecordsAffected());
        assertEquals("nothing held", after.getDetail());

        // The same email arrives again: a new profile, which the check names for review under the person's identifier
        // but does not count as left (erasing the subject again could never remove it).
        profiles.recordEvent(RecordEventRequest.newBuilder().setIdentifier(email)
                .setEvent(Event.newBuilder().setId(UUID.randomUUID().toString()).setName("session_started")).build());
        DataSubjectRequestProgress recreated = carryOut(1, check(survivor, visitor, email)).get(0);
        assertEquals(0, recreated.getRecordsAffected());
        assertEquals("nothing held; for review, not erased: another profile now carries one of the person's identifiers (1 identifier row(s))",
                recreated.getDetail());
    }

    @Test
    void aRequestNamingOtherServicesIsIgnoredWithoutAReport() throws Exception {
        List<UUID> ids = aPersonWithHistory();
        long held = rowsAbout(ids);
        DataSubjectRequest notOurs = request(ids.get(0), DataSubjectRequest.Kind.ERASURE).toBuilder()
                .addServices("chatbot-service").addServices("segment-service").build();
        DataSubjectRequest ours = request(ids.get(0), DataSubjectRequest.Kind.ACCESS).toBuilder()
                .addServices("chatbot-service").addServices("profile-service").build();

        // Read in order (one subject, one partition): had the first been answered, its report would come first.
        List<DataSubjectRequestProgress> reports = carryOut(1, notOurs, ours);
        assertEquals(List.of(ours.getRequestId()), reports.stream().map(DataSubjectRequestProgress::getRequestId).toList());
        assertEquals(DataSubjectRequest.Kind.ACCESS, reports.get(0).getKind());
        assertTrue(reports.get(0).getRecordsAffected() > 0);
        assertEquals(held, rowsAbout(ids), "nothing was erased");
    }

    private static DataSubjectRequest request(UUID subject, DataSubjectRequest.Kind kind) {
        String requestId = "dsr-" + UUID.randomUUID();
        return DataSubjectRequest.newBuilder().setEnvelope(Envelope.newBuilder().setId(requestId).setSubject(subject.toString()))
                .setRequestId(requestId).setSubject(subject.toString()).setKind(kind).build();
    }

    private static DataSubjectRequest check(UUID subject, Identifier... knownBy) {
        DataSubjectRequest.Builder check = request(subject, DataSubjectRequest.Kind.ERASURE_CHECK).toBuilder();
        for (Identifier identifier : knownBy) {
            check.addIdentifiers(SubjectIdentifier.newBuilder().setType(identifier.getType().name()).setValue(identifier.getValue()));
        }
        return check.build();
    }

    /**
     * Sends the requests on privacy.dsr in this order (keyed by subject, so they are read in order) and answers the
     * first {@code reports} reports about any of them.
     */
    private List<DataSubjectRequestProgress> carryOut(int reports, DataSubjectRequest... requests) throws Exception {
        List<String> requestIds = java.util.Arrays.stream(requests).map(DataSubjectRequest::getRequestId).distinct().toList();
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
