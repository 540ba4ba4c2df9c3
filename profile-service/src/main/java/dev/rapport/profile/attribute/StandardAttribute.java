package dev.rapport.profile.attribute;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.AttributeDefinition.MergeRule;
import dev.rapport.proto.profile.v1.AttributeDefinition.Type;

/** The attributes every profile may have, with fixed types and data categories. */
public enum StandardAttribute {
    FIRST_NAME("first_name", Type.STRING, "user.name.first", 256),
    LAST_NAME("last_name", Type.STRING, "user.name.last", 256),
    EMAIL("email", Type.STRING, "user.contact.email", 254),
    PHONE("phone", Type.STRING, "user.contact.phone_number", 16),
    LANGUAGE("language", Type.STRING, "user.demographic.language", 35),
    TIME_ZONE("time_zone", Type.STRING, "user.location.imprecise", 64),
    COUNTRY("country", Type.STRING, "user.contact.address.country", 2),
    REGION("region", Type.STRING, "user.contact.address.state", 128),
    CITY("city", Type.STRING, "user.contact.address.city", 128),
    LOCATION("location", Type.GEO_POINT, "user.location.precise", 0),
    GENDER("gender", Type.STRING, "user.demographic.gender", 32),
    BIRTH_DATE("birth_date", Type.DATE, "user.demographic.date_of_birth", 0),
    PLATFORM("platform", Type.STRING, "user.device", 32),
    DEVICE("device", Type.STRING, "user.device", 128);

    private static final Map<String, StandardAttribute> BY_NAME = Arrays.stream(values())
            .collect(Collectors.toUnmodifiableMap(StandardAttribute::attributeName, Function.identity()));

    private final String name;
    private final AttributeDefinition definition;

    StandardAttribute(String name, Type type, String category, int maxLength) {
        this.name = name;
        this.definition = AttributeDefinition.newBuilder()
                .setName(name).setType(type).setDataCategory(category).setMergeRule(MergeRule.NEWEST_WINS)
                .setMaxLength(maxLength).setStandard(true).build();
    }

    public String attributeName() {
        return name;
    }

    public AttributeDefinition definition() {
        return definition;
    }

    public static Optional<StandardAttribute> named(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
