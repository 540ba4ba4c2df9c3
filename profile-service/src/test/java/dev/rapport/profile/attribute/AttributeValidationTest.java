package dev.rapport.profile.attribute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.AttributeDefinition.MergeRule;
import dev.rapport.proto.profile.v1.AttributeDefinition.Type;
import dev.rapport.runtime.error.InvalidInput;

class AttributeValidationTest {
    private static final LocalDate TODAY = LocalDate.of(2026, 11, 23);
    private static final AttributeDefinition DIET = AttributeDefinition.newBuilder().setName("dietary_needs").setType(Type.LIST)
            .setDataCategory("user.demographic.profile").setMergeRule(MergeRule.UNION).setMaxLength(20).build();
    private static final AttributeDefinition LOYALTY = AttributeDefinition.newBuilder().setName("loyalty_points").setType(Type.NUMBER)
            .setDataCategory("user.behavior").setMergeRule(MergeRule.NEWEST_WINS).build();

    private static Map<String, AttributeDefinition> definitions() {
        Map<String, AttributeDefinition> all = new HashMap<>();
        for (StandardAttribute standard : StandardAttribute.values()) {
            all.put(standard.attributeName(), standard.definition());
        }
        all.put(DIET.getName(), DIET);
        all.put(LOYALTY.getName(), LOYALTY);
        return all;
    }

    private static Value text(String s) {
        return Value.newBuilder().setStringValue(s).build();
    }

    private static Value number(double d) {
        return Value.newBuilder().setNumberValue(d).build();
    }

    private static List<String> refusedFields(Map<String, Value> values) {
        InvalidInput refused = assertThrows(InvalidInput.class, () -> AttributeValidation.check(values, definitions(), TODAY));
        return refused.violations().stream().map(InvalidInput.Violation::field).toList();
    }

    @Test
    void validValuesComeBackNormalised() {
        Map<String, Value> checked = AttributeValidation.check(Map.of(
                "language", text("ca-es"),
                "country", text("es"),
                "time_zone", text("Europe/Madrid"),
                "birth_date", text("1990-04-01"),
                "phone", text("+34600111222"),
                "dietary_needs", Value.newBuilder().setListValue(ListValue.newBuilder().addValues(text("vegan")).addValues(text("vegan"))
                        .addValues(text("halal"))).build(),
                "loyalty_points", number(120)), definitions(), TODAY);

        assertEquals("ca-ES", checked.get("language").getStringValue());
        assertEquals("ES", checked.get("country").getStringValue());
        assertEquals(List.of("vegan", "halal"), checked.get("dietary_needs").getListValue().getValuesList().stream().map(Value::getStringValue).toList());
    }

    @Test
    void everyBadValueIsNamedByItsField() {
        Map<String, Value> values = new HashMap<>();
        values.put("language", text("xx-QQ"));
        values.put("time_zone", text("Mars/Olympus_Mons"));
        values.put("birth_date", text("2023-02-30"));
        values.put("first_name", text("x".repeat(257)));
        values.put("loyalty_points", text("many"));
        values.put("email", text("not-an-email"));
        values.put("country", text("XX"));
        values.put("shoe_size", number(42));
        values.put("location", Value.newBuilder().setStructValue(Struct.newBuilder()
                .putFields("latitude", number(91)).putFields("longitude", number(0))).build());

        assertEquals(List.of("attributes.birth_date", "attributes.country", "attributes.email", "attributes.first_name", "attributes.language",
                "attributes.location", "attributes.loyalty_points", "attributes.shoe_size", "attributes.time_zone"), refusedFields(values));
    }

    @Test
    void aBirthDateMustBeRealAndInThePast() {
        assertEquals(List.of("attributes.birth_date"), refusedFields(Map.of("birth_date", text("2027-01-01"))));
        assertEquals(List.of("attributes.birth_date"), refusedFields(Map.of("birth_date", text("99999-01-01"))));
        assertEquals(List.of("attributes.birth_date"), refusedFields(Map.of("birth_date", number(1990))));
    }

    @Test
    void listsHaveBoundedItemsAndANullRemoves() {
        ListValue.Builder tooMany = ListValue.newBuilder();
        for (int i = 0; i < 101; i++) {
            tooMany.addValues(text("item" + i));
        }
        assertEquals(List.of("attributes.dietary_needs"), refusedFields(Map.of("dietary_needs", Value.newBuilder().setListValue(tooMany).build())));
        assertEquals(List.of("attributes.dietary_needs"), refusedFields(Map.of("dietary_needs",
                Value.newBuilder().setListValue(ListValue.newBuilder().addValues(text("x".repeat(21)))).build())));
        Value remove = Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
        assertEquals(remove, AttributeValidation.check(Map.of("dietary_needs", remove), definitions(), TODAY).get("dietary_needs"));
    }

    @Test
    void numbersMustBeFinite() {
        assertEquals(List.of("attributes.loyalty_points"), refusedFields(Map.of("loyalty_points", number(Double.NaN))));
    }

    @Test
    void aDefinitionNeedsANewNameAKnownCategoryAndAFittingRule() {
        InvalidInput refused = assertThrows(InvalidInput.class, () -> AttributeValidation.checkDefinition(AttributeDefinition.newBuilder()
                .setName("email").setType(Type.NUMBER).setDataCategory("user.favourite_colour").setMergeRule(MergeRule.UNION).build()));
        assertEquals(List.of("definition.name", "definition.data_category", "definition.merge_rule"),
                refused.violations().stream().map(InvalidInput.Violation::field).toList());

        AttributeDefinition completed = AttributeValidation.checkDefinition(AttributeDefinition.newBuilder()
                .setName("signup_channel").setType(Type.STRING).setDataCategory("user.behavior").build());
        assertEquals(MergeRule.NEWEST_WINS, completed.getMergeRule());
        assertEquals(AttributeValidation.DEFAULT_MAX_LENGTH, completed.getMaxLength());
    }
}
