package dev.rapport.chatbot.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.Profile;

/** Agents see what the support purpose may see of a customer, and nothing else (the policy's purpose_categories). */
class CustomerFactsTest {
    @Test
    void onlyAttributesWhoseCategoriesSupportMaySeeReachTheAgent() {
        Profile profile = Profile.newBuilder()
                .putAttributes("first_name", text("Erin"))
                .putAttributes("email", text("erin@example.com"))
                .putAttributes("language", text("ko"))
                .putAttributes("plan", text("premium"))
                .putAttributes("orders_last_year", Value.newBuilder().setNumberValue(12).build())
                .putAttributes("dietary_needs", Value.newBuilder().setListValue(ListValue.newBuilder().addValues(text("halal"))).build())
                .putAttributes("birth_date", text("1990-04-01"))
                .putAttributes("location", Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("latitude", Value.newBuilder().setNumberValue(41.4).build())).build())
                .putAttributes("undeclared", text("no category, never shown"))
                .build();
        List<AttributeDefinition> definitions = List.of(
                definition("first_name", "user.name.first"), definition("email", "user.contact.email"),
                definition("language", "user.demographic.language"), definition("plan", "user.account"),
                definition("orders_last_year", "user.behavior.purchase_history"), definition("dietary_needs", "user.health_and_medical"),
                definition("birth_date", "user.demographic.date_of_birth"), definition("location", "user.location.precise"));

        assertEquals(Map.of("first_name", "Erin", "email", "erin@example.com", "language", "ko", "plan", "premium"),
                CustomerFacts.visible(profile, definitions, ConsentPolicy.standard()));
    }

    private static Value text(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }

    private static AttributeDefinition definition(String name, String category) {
        return AttributeDefinition.newBuilder().setName(name).setDataCategory(category).build();
    }
}
