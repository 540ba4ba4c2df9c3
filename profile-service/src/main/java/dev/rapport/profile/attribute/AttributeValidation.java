package dev.rapport.profile.attribute;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.IllformedLocaleException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.privacy.DataCategories;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.AttributeDefinition.MergeRule;
import dev.rapport.proto.profile.v1.AttributeDefinition.Type;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;

/**
 * What an attribute value must satisfy before anything is written: its definition's type, the standard attributes'
 * formats (BCP 47, IANA, ISO 3166, E.164, real dates) and size limits. Values come back normalised (canonical
 * language tags, upper-case country codes) so that equal facts compare equal.
 */
public final class AttributeValidation {
    public static final int MAX_ATTRIBUTES_PER_REQUEST = 100;
    public static final int MAX_LIST_ITEMS = 100;
    public static final int DEFAULT_MAX_LENGTH = 256;
    public static final int LARGEST_MAX_LENGTH = 4096;
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");
    private static final Set<String> LANGUAGES = Set.of(Locale.getISOLanguages());
    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());
    private static final Set<String> GENDERS = Set.of("female", "male", "non_binary", "other", "prefer_not_to_say", "unknown");
    private static final LocalDate OLDEST_BIRTH = LocalDate.of(1900, 1, 1);
    private static final Instant OLDEST_TIME = Instant.parse("1900-01-01T00:00:00Z");
    private static final Instant LATEST_TIME = Instant.parse("9999-12-31T23:59:59Z");
    private static final DateTimeFormatter STRICT_DATE = DateTimeFormatter.ofPattern("uuuu-MM-dd").withResolverStyle(ResolverStyle.STRICT);

    private AttributeValidation() {
    }

    /**
     * The values, checked and normalised; a null value (removal) stays null. Throws {@link InvalidInput} naming every
     * bad field ({@code attributes.<name>}) when any is wrong.
     */
    public static Map<String, Value> check(Map<String, Value> values, Map<String, AttributeDefinition> definitions, LocalDate today) {
        List<Violation> violations = new ArrayList<>();
        if (values.isEmpty()) {
            violations.add(new Violation("attributes", "at least one attribute"));
        } else if (values.size() > MAX_ATTRIBUTES_PER_REQUEST) {
            violations.add(new Violation("attributes", "at most " + MAX_ATTRIBUTES_PER_REQUEST + " attributes per request"));
        }
        Map<String, Value> normalised = new LinkedHashMap<>();
        values.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
            String field = "attributes." + entry.getKey();
            AttributeDefinition definition = definitions.get(entry.getKey());
            if (definition == null) {
                violations.add(new Violation(field, "no such attribute: a standard one, or a custom one declared with CreateAttributeDefinition"));
                return;
            }
            Value value = entry.getValue();
            if (value.getKindCase() == Value.KindCase.NULL_VALUE) {
                normalised.put(entry.getKey(), value);
                return;
            }
            try {
                normalised.put(entry.getKey(), checkOne(definition, value, today));
            } catch (IllegalArgumentException e) {
                violations.add(new Violation(field, e.getMessage()));
            }
        });
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        return normalised;
    }

    private static Value checkOne(AttributeDefinition definition, Value value, LocalDate today) {
        int maxLength = definition.getMaxLength() > 0 ? definition.getMaxLength() : DEFAULT_MAX_LENGTH;
        Value typed = switch (definition.getType()) {
            case STRING -> string(text(value, "a string", maxLength));
            case NUMBER -> {
                if (value.getKindCase() != Value.KindCase.NUMBER_VALUE || !Double.isFinite(value.getNumberValue())) {
                    throw new IllegalArgumentException("a finite number");
                }
                yield value;
            }
            case BOOLEAN -> {
                if (value.getKindCase() != Value.KindCase.BOOL_VALUE) {
                    throw new IllegalArgumentException("true or false");
                }
                yield value;
            }
            case DATETIME -> string(dateTime(text(value, "an RFC 3339 date-time such as 2026-11-23T10:00:00Z", 64)).toString());
            case DATE -> string(date(text(value, "a date such as 1990-04-01", 10)).toString());
            case LIST -> list(value, maxLength);
            case GEO_POINT -> geoPoint(value);
            case TYPE_UNSPECIFIED, UNRECOGNIZED -> throw new IllegalStateException("definition without a type: " + definition.getName());
        };
        return definition.getStandard() ? standard(StandardAttribute.named(definition.getName()).orElseThrow(), typed, today) : typed;
    }

    /** The formats of the standard attributes, beyond their types. */
    private static Value standard(StandardAttribute attribute, Value value, LocalDate today) {
        String text = value.getStringValue();
        return switch (attribute) {
            case EMAIL -> {
                if (!EMAIL.matcher(text).matches()) {
                    throw new IllegalArgumentException("an email address such as name@example.com");
                }
                yield value;
            }
            case PHONE -> {
                if (!E164.matcher(text).matches()) {
                    throw new IllegalArgumentException("a phone number in E.164 form, e.g. +34600111222");
                }
                yield value;
            }
            case LANGUAGE -> string(languageTag(text));
            case TIME_ZONE -> {
                if (!ZoneId.getAvailableZoneIds().contains(text)) {
                    throw new IllegalArgumentException("an IANA time zone such as Europe/Madrid");
                }
                yield value;
            }
            case COUNTRY -> {
                String upper = text.toUpperCase(Locale.ROOT);
                if (!COUNTRIES.contains(upper)) {
                    throw new IllegalArgumentException("an ISO 3166-1 alpha-2 country code such as ES");
                }
                yield string(upper);
            }
            case GENDER -> {
                if (!GENDERS.contains(text)) {
                    throw new IllegalArgumentException("one of " + String.join(", ", GENDERS.stream().sorted().toList()));
                }
                yield value;
            }
            case BIRTH_DATE -> {
                LocalDate born = LocalDate.parse(text);
                if (born.isBefore(OLDEST_BIRTH) || born.isAfter(today)) {
                    throw new IllegalArgumentException("a birth date between 1900-01-01 and today");
                }
                yield value;
            }
            default -> value;
        };
    }

    /** A well-formed BCP 47 tag whose language (and region, if any) exist; returned in canonical case. */
    public static String languageTag(String tag) {
        try {
            Locale locale = new Locale.Builder().setLanguageTag(tag).build();
            boolean knownRegion = locale.getCountry().isEmpty() || COUNTRIES.contains(locale.getCountry())
                    || locale.getCountry().matches("[0-9]{3}");
            if (!LANGUAGES.contains(locale.getLanguage()) || !knownRegion) {
                throw new IllegalArgumentException("unknown");
            }
            return locale.toLanguageTag();
        } catch (IllformedLocaleException | IllegalArgumentException e) {
            throw new IllegalArgumentException("a BCP 47 language tag of a known language, such as en, ko or ca-ES");
        }
    }

    private static String text(Value value, String expected, int maxLength) {
        if (value.getKindCase() != Value.KindCase.STRING_VALUE) {
            throw new IllegalArgumentException(expected);
        }
        String text = value.getStringValue().strip();
        if (text.indexOf('\u0000') >= 0) {
            throw new IllegalArgumentException(expected + " without NUL characters");
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException(expected + " (empty; send null to remove the attribute)");
        }
        if (text.codePointCount(0, text.length()) > maxLength) {
            throw new IllegalArgumentException("at most " + maxLength + " characters");
        }
        return text;
    }

    private static Instant dateTime(String text) {
        try {
            Instant at = OffsetDateTime.parse(text).toInstant();
            if (at.isBefore(OLDEST_TIME) || at.isAfter(LATEST_TIME)) {
                throw new IllegalArgumentException("a date-time between the years 1900 and 9999");
            }
            return at;
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("an RFC 3339 date-time such as 2026-11-23T10:00:00Z");
        }
    }

    private static LocalDate date(String text) {
        try {
            return LocalDate.parse(text, STRICT_DATE);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("a real calendar date such as 1990-04-01");
        }
    }

    private static Value list(Value value, int maxLength) {
        if (value.getKindCase() != Value.KindCase.LIST_VALUE) {
            throw new IllegalArgumentException("a list of strings");
        }
        List<Value> items = value.getListValue().getValuesList();
        if (items.size() > MAX_LIST_ITEMS) {
            throw new IllegalArgumentException("at most " + MAX_LIST_ITEMS + " items");
        }
        ListValue.Builder distinct = ListValue.newBuilder();
        List<String> seen = new ArrayList<>();
        for (Value item : items) {
            String text = text(item, "a list of strings", maxLength);
            if (!seen.contains(text)) {
                seen.add(text);
                distinct.addValues(string(text));
            }
        }
        return Value.newBuilder().setListValue(distinct).build();
    }

    private static Value geoPoint(Value value) {
        String expected = "an object {\"latitude\": -90..90, \"longitude\": -180..180, \"accuracy_m\": ≥ 0 (optional)}";
        if (value.getKindCase() != Value.KindCase.STRUCT_VALUE) {
            throw new IllegalArgumentException(expected);
        }
        Map<String, Value> fields = value.getStructValue().getFieldsMap();
        if (!Set.of("latitude", "longitude", "accuracy_m").containsAll(fields.keySet())) {
            throw new IllegalArgumentException(expected);
        }
        double latitude = number(fields.get("latitude"), -90, 90, expected);
        double longitude = number(fields.get("longitude"), -180, 180, expected);
        Struct.Builder point = Struct.newBuilder()
                .putFields("latitude", Value.newBuilder().setNumberValue(latitude).build())
                .putFields("longitude", Value.newBuilder().setNumberValue(longitude).build());
        if (fields.containsKey("accuracy_m")) {
            point.putFields("accuracy_m", Value.newBuilder().setNumberValue(number(fields.get("accuracy_m"), 0, 1e7, expected)).build());
        }
        return Value.newBuilder().setStructValue(point).build();
    }

    private static double number(Value value, double min, double max, String expected) {
        if (value == null || value.getKindCase() != Value.KindCase.NUMBER_VALUE || !(value.getNumberValue() >= min && value.getNumberValue() <= max)) {
            throw new IllegalArgumentException(expected);
        }
        return value.getNumberValue();
    }

    private static Value string(String text) {
        return Value.newBuilder().setStringValue(text).build();
    }

    /** A new custom attribute's definition, completed with its defaults. */
    public static AttributeDefinition checkDefinition(AttributeDefinition definition) {
        List<Violation> violations = new ArrayList<>();
        if (!NAME.matcher(definition.getName()).matches()) {
            violations.add(new Violation("definition.name", "lower snake case: a letter, then up to 63 letters, digits or '_'"));
        } else if (StandardAttribute.named(definition.getName()).isPresent()) {
            violations.add(new Violation("definition.name", "a standard attribute has this name"));
        }
        if (!Set.of(Type.STRING, Type.NUMBER, Type.BOOLEAN, Type.DATETIME, Type.LIST, Type.DATE).contains(definition.getType())) {
            violations.add(new Violation("definition.type", "one of STRING, NUMBER, BOOLEAN, DATETIME, DATE, LIST"));
        }
        if (!DataCategories.isKnown(definition.getDataCategory())) {
            violations.add(new Violation("definition.data_category", "a fideslang data category under \"user\", e.g. user.demographic.profile"));
        }
        MergeRule rule = definition.getMergeRule() == MergeRule.MERGE_RULE_UNSPECIFIED ? MergeRule.NEWEST_WINS : definition.getMergeRule();
        if (rule == MergeRule.UNRECOGNIZED || (rule == MergeRule.UNION && definition.getType() != Type.LIST)) {
            violations.add(new Violation("definition.merge_rule", "NEWEST_WINS, OLDEST_WINS, or UNION for a LIST"));
        }
        if (definition.getMaxLength() < 0 || definition.getMaxLength() > LARGEST_MAX_LENGTH) {
            violations.add(new Violation("definition.max_length", "between 1 and " + LARGEST_MAX_LENGTH + " (0 means " + DEFAULT_MAX_LENGTH + ")"));
        }
        if (definition.getDescription().length() > 1024) {
            violations.add(new Violation("definition.description", "at most 1024 characters"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        boolean textual = definition.getType() == Type.STRING || definition.getType() == Type.LIST;
        return definition.toBuilder()
                .setMergeRule(rule)
                .setMaxLength(textual ? (definition.getMaxLength() == 0 ? DEFAULT_MAX_LENGTH : definition.getMaxLength()) : 0)
                .setStandard(false)
                .clearCreateTime()
                .build();
    }

    /** A removed (or never set) attribute's value. */
    public static Value nullValue() {
        return Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
    }
}
