package dev.rapport.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.AttributeDefinition.MergeRule;
import dev.rapport.proto.profile.v1.AttributeDefinition.Type;
import dev.rapport.proto.profile.v1.CreateAttributeDefinitionRequest;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.ListProfileVersionsRequest;
import dev.rapport.proto.profile.v1.ListProfileVersionsResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.GrpcFailures;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class AttributesTest extends CallsProfileService {

    static Identifier customer() {
        return Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("customer-" + UUID.randomUUID()).build();
    }

    static Value text(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    static Value list(String... items) {
        ListValue.Builder list = ListValue.newBuilder();
        for (String item : items) {
            list.addValues(text(item));
        }
        return Value.newBuilder().setListValue(list).build();
    }

    private String defineDietaryNeeds() {
        String name = "diet_" + UUID.randomUUID().toString().substring(0, 8);
        profiles.createAttributeDefinition(CreateAttributeDefinitionRequest.newBuilder().setDefinition(AttributeDefinition.newBuilder()
                .setName(name).setType(Type.LIST).setDataCategory("user.demographic.profile").setMergeRule(MergeRule.UNION)).build());
        return name;
    }

    @Test
    void standardAndDeclaredCustomAttributesAreStoredVersionedAndAnnounced() throws Exception {
        String diet = defineDietaryNeeds();
        Identifier customer = customer();

        Profile first = profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(customer).setSource("crm")
                .putAttributes("first_name", text("Núria")).putAttributes("language", text("ca-es"))
                .putAttributes("time_zone", text("Europe/Madrid")).putAttributes("birth_date", text("1990-04-01"))
                .putAttributes(diet, list("vegetarian")).build());

        assertEquals("ca-ES", first.getAttributesOrThrow("language").getStringValue(), "stored in canonical BCP 47");
        assertEquals(1, first.getVersion());
        assertEquals("ca-ES", first.getTraits().getPreferredLanguage());
        assertTrue(first.getTraits().getAge() >= 36);

        try (ConsumerTask<String, String> announced = kafka.consumeStrings().fromTopics(TestTopics.of(Topics.PROFILE_CHANGES),
                records -> records.filter(r -> r.key().equals(first.getId())))) {
            Profile second = profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setProfileId(first.getId()).setSource("app")
                    .putAttributes("first_name", text("Núria")) // unchanged: not a change
                    .putAttributes("city", text("Barcelona"))
                    .putAttributes("birth_date", Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build()).build());

            assertEquals(2, second.getVersion());
            assertEquals("Barcelona", second.getAttributesOrThrow("city").getStringValue());
            assertFalse(second.containsAttributes("birth_date"));
            announced.awaitRecords(2, Duration.ofSeconds(15));
            ProfileChanged latest = ProfileChanged.newBuilder().build();
            for (var record : announced.getRecords()) {
                ProfileChanged.Builder change = ProfileChanged.newBuilder();
                JsonFormat.parser().ignoringUnknownFields().merge(record.value(), change);
                if (change.getVersion() == 2) {
                    latest = change.build();
                }
            }
            assertEquals(List.of("birth_date", "city"), latest.getChangesList().stream().map(c -> c.getAttribute()).sorted().toList());
            assertEquals("app", latest.getSource());
        }

        ListProfileVersionsResponse history = profiles.listProfileVersions(ListProfileVersionsRequest.newBuilder().setProfileId(first.getId()).build());
        assertEquals(List.of(2L, 1L), history.getVersionsList().stream().map(v -> v.getVersion()).toList());
        assertEquals("crm", history.getVersions(1).getSource());
        assertEquals("1990-04-01", history.getVersions(0).getChangesList().stream().filter(c -> c.getAttribute().equals("birth_date"))
                .findFirst().orElseThrow().getOldValue().getStringValue());

        Profile unchanged = profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setProfileId(first.getId())
                .putAttributes("city", text("Barcelona")).build());
        assertEquals(2, unchanged.getVersion(), "setting what is already there makes no version");
    }

    @Test
    void aRequestWithAnyBadValueNamesEachAndWritesNothing() {
        String diet = defineDietaryNeeds();
        Profile before = profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(customer())
                .putAttributes("city", text("Seoul")).build());

        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> profiles.updateAttributes(UpdateAttributesRequest.newBuilder()
                .setProfileId(before.getId())
                .putAttributes("city", text("Busan")) // fine on its own
                .putAttributes("language", text("klingon-XX"))
                .putAttributes("time_zone", text("Asia/Atlantis"))
                .putAttributes("birth_date", text("2001-02-29"))
                .putAttributes(diet, text("vegan")) // not a list
                .putAttributes("favourite_colour", text("blue")) // never declared
                .build()));

        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertEquals(List.of("attributes.birth_date", "attributes." + diet, "attributes.favourite_colour", "attributes.language", "attributes.time_zone"),
                GrpcFailures.badRequestFields(refused));
        Profile after = profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(before.getId()).build());
        assertEquals("Seoul", after.getAttributesOrThrow("city").getStringValue());
        assertEquals(before.getVersion(), after.getVersion());
    }

    @Test
    void aDefinitionIsIdempotentButNeverChanges() {
        String name = "plan_" + UUID.randomUUID().toString().substring(0, 8);
        AttributeDefinition plan = AttributeDefinition.newBuilder().setName(name).setType(Type.STRING).setDataCategory("user.account").build();
        AttributeDefinition created = profiles.createAttributeDefinition(CreateAttributeDefinitionRequest.newBuilder().setDefinition(plan).build());
        AttributeDefinition again = profiles.createAttributeDefinition(CreateAttributeDefinitionRequest.newBuilder().setDefinition(plan).build());
        assertEquals(created, again);
        assertEquals(MergeRule.NEWEST_WINS, created.getMergeRule());

        StatusRuntimeException changed = assertThrows(StatusRuntimeException.class, () -> profiles.createAttributeDefinition(
                CreateAttributeDefinitionRequest.newBuilder().setDefinition(plan.toBuilder().setType(Type.NUMBER)).build()));
        assertEquals(Status.Code.ALREADY_EXISTS, changed.getStatus().getCode());

        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> profiles.createAttributeDefinition(
                CreateAttributeDefinitionRequest.newBuilder().setDefinition(AttributeDefinition.newBuilder().setName("Bad Name")
                        .setType(Type.GEO_POINT).setDataCategory("")).build()));
        assertEquals(List.of("definition.name", "definition.type", "definition.data_category"), GrpcFailures.badRequestFields(bad));

        List<AttributeDefinition> all = profiles.listAttributeDefinitions(ListAttributeDefinitionsRequest.getDefaultInstance()).getDefinitionsList();
        assertTrue(all.stream().anyMatch(d -> d.getName().equals("email") && d.getStandard() && d.getDataCategory().equals("user.contact.email")));
        assertTrue(all.stream().anyMatch(d -> d.getName().equals(name) && !d.getStandard()));
    }
}
