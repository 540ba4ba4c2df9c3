package dev.rapport.segment.definition;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.privacy.DataUses;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.segment.definition.Comparison.Operator;

/**
 * Reads a segment definition (JSON, segment-service/README.md "Definitions") into a {@link Condition} tree, naming
 * every problem by the path of its node: an unknown kind, field or attribute, an operator that does not fit the
 * type, a value of the wrong type, an absurd window, a reference to a missing segment or a cycle of references.
 */
public final class DefinitionParser {
    /** Guards against definitions no marketer writes and no evaluator should chew on. */
    static final int MAX_DEPTH = 16;
    static final int MAX_NODES = 500;
    static final int MAX_VALUES = 1000;
    /** Values in the whole definition, through the segments it refers to: each one is a bound SQL parameter. */
    static final int MAX_TOTAL_VALUES = 5000;
    static final Duration MAX_WINDOW = Duration.ofDays(36_500);
    private static final Instant EARLIEST = Instant.parse("1900-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("2200-01-01T00:00:00Z");
    private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Pattern PROPERTY_PATH = Pattern.compile("[A-Za-z0-9_$-]{1,128}(\\.[A-Za-z0-9_$-]{1,128}){0,7}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    private static final Pattern CHANNEL = Pattern.compile("[a-z_]{0,32}");

    /** What a definition may refer to. */
    public interface Context {
        /** The profile attributes and their types (profile-service's schema). */
        Map<String, AttributeDefinition.Type> attributes();

        /** A saved segment's definition, to check references (existence and cycles). */
        Optional<JsonNode> segment(UUID id);

        /** The currency of value conditions that name none. */
        String defaultCurrency();

        /** A context of what is in hand: the attribute types, a lookup of saved definitions, the default currency. */
        static Context of(Map<String, AttributeDefinition.Type> attributes, java.util.function.Function<UUID, Optional<JsonNode>> segments,
                String defaultCurrency) {
            return new Context() {
                @Override
                public Map<String, AttributeDefinition.Type> attributes() {
                    return attributes;
                }

                @Override
                public Optional<JsonNode> segment(UUID id) {
                    return segments.apply(id);
                }

                @Override
                public String defaultCurrency() {
                    return defaultCurrency;
                }
            };
        }
    }

    private final Context context;
    private final List<Violation> problems = new ArrayList<>();
    private int nodes;
    private int values;

    private DefinitionParser(Context context) {
        this.context = context;
    }

    /** The condition tree, or every problem found (then the tree is null). */
    public record Result(Condition condition, List<Violation> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }
    }

    /**
     * @param self the segment being saved (its own id may not be referenced, directly or through others); null for
     *             a new one
     */
    public static Result parse(JsonNode definition, UUID self, Context context) {
        DefinitionParser parser = new DefinitionParser(context);
        Condition condition = parser.node(definition, "definition", 0);
        if (parser.problems.isEmpty()) {
            parser.checkReferences(definition, self);
        }
        return new Result(parser.problems.isEmpty() ? condition : null, List.copyOf(parser.problems));
    }

    /** The purpose a segment serves: a known fideslang data use. */
    public static Optional<Violation> purposeProblem(String purpose) {
        if (purpose == null || purpose.isEmpty()) {
            return Optional.of(new Violation("purpose", "required: the data use the segment serves, e.g. marketing.communications"));
        }
        return DataUses.isKnown(purpose) ? Optional.empty()
                : Optional.of(new Violation("purpose", "not a known data use (fideslang), e.g. marketing.communications"));
    }

    private Condition node(JsonNode node, String at, int depth) {
        if (node == null || !node.isObject()) {
            return problem(at, "a condition object with a \"kind\"");
        }
        if (++nodes > MAX_NODES) {
            return problem(at, "a definition has at most " + MAX_NODES + " conditions");
        }
        if (depth > MAX_DEPTH) {
            return problem(at, "conditions nest at most " + MAX_DEPTH + " deep");
        }
        String kind = node.path("kind").isTextual() ? node.path("kind").textValue() : "";
        return switch (kind) {
            case "and", "or" -> {
                fields(node, at, "kind", "of");
                JsonNode of = node.get("of");
                if (of == null || !of.isArray() || of.isEmpty()) {
                    yield problem(at + ".of", "a non-empty list of conditions");
                }
                List<Condition> children = new ArrayList<>();
                for (int i = 0; i < of.size(); i++) {
                    children.add(node(of.get(i), at + ".of[" + i + "]", depth + 1));
                }
                yield kind.equals("and") ? new Condition.All(at, children) : new Condition.Any(at, children);
            }
            case "not" -> {
                fields(node, at, "kind", "condition");
                yield new Condition.Not(at, node(node.get("condition"), at + ".condition", depth + 1));
            }
            case "segment" -> {
                fields(node, at, "kind", "segment_id");
                UUID id = uuid(node.get("segment_id"), at + ".segment_id");
                if (id != null && context.segment(id).isEmpty()) {
                    problem(at + ".segment_id", "no segment has this id");
                }
                yield new Condition.InSegment(at, id);
            }
            case "attribute" -> attribute(node, at);
            case "near" -> {
                fields(node, at, "kind", "latitude", "longitude", "radius_km");
                double latitude = number(node.get("latitude"), at + ".latitude", -90, 90);
                double longitude = number(node.get("longitude"), at + ".longitude", -180, 180);
                double radius = number(node.get("radius_km"), at + ".radius_km", 0.001, 20_040);
                yield new Condition.Near(at, latitude, longitude, radius);
            }
            case "event" -> {
                fields(node, at, "kind", "event", "where", "count", "window");
                yield new Condition.EventCount(at, match(node, at), bound(node.get("count"), at + ".count"),
                        window(node.get("window"), at + ".window"));
            }
            case "first_event", "last_event" -> {
                fields(node, at, "kind", "event", "where", "operator", "value");
                yield new Condition.EventTime(at, match(node, at), kind.equals("first_event"),
                        comparison(ValueType.DATETIME, node, at, Set.of("before", "after", "between", "within_last")));
            }
            case "sequence" -> sequence(node, at);
            case "purchases" -> purchases(node, at);
            case "rfm" -> {
                fields(node, at, "kind", "score", "operator", "value");
                String score = node.path("score").asText("");
                if (!Set.of("segment", "recency", "frequency", "monetary").contains(score)) {
                    yield problem(at + ".score", "one of segment, recency, frequency, monetary");
                }
                boolean named = score.equals("segment");
                Comparison comparison = comparison(named ? ValueType.STRING : ValueType.NUMBER, node, at, named
                        ? Set.of("eq", "ne", "in", "not_in", "exists", "not_exists")
                        : Set.of("eq", "ne", "gt", "gte", "lt", "lte", "between", "exists", "not_exists"));
                if (comparison != null && !named && comparison.operands().stream().anyMatch(o -> ((BigDecimal) o).signum() < 0
                        || ((BigDecimal) o).compareTo(BigDecimal.valueOf(5)) > 0)) {
                    yield problem(at + ".value", "a score from 1 to 5");
                }
                yield comparison == null ? null : new Condition.RfmIs(at, score, comparison);
            }
            case "consent" -> {
                fields(node, at, "kind", "purpose", "channel", "state");
                String purpose = node.path("purpose").asText("");
                if (!DataUses.isKnown(purpose)) {
                    problem(at + ".purpose", "a known data use (fideslang), e.g. marketing.communications");
                }
                String channel = node.path("channel").asText("");
                if (!CHANNEL.matcher(channel).matches()) {
                    problem(at + ".channel", "a channel such as email, sms or push");
                }
                Condition.ConsentState state = switch (node.path("state").asText("")) {
                    case "granted" -> Condition.ConsentState.GRANTED;
                    case "withdrawn" -> Condition.ConsentState.WITHDRAWN;
                    case "undecided" -> Condition.ConsentState.UNDECIDED;
                    default -> {
                        problem(at + ".state", "one of granted, withdrawn, undecided");
                        yield null;
                    }
                };
                yield new Condition.ConsentIs(at, purpose, channel, state);
            }
            default -> problem(at + ".kind", "one of and, or, not, segment, attribute, near, event, first_event, last_event, "
                    + "sequence, purchases, rfm, consent");
        };
    }

    private Condition attribute(JsonNode node, String at) {
        fields(node, at, "kind", "attribute", "operator", "value");
        String name = node.path("attribute").isTextual() ? node.path("attribute").textValue() : "";
        if (name.equals("age")) {
            return age(node, at);
        }
        AttributeDefinition.Type declared = context.attributes().get(name);
        if (declared == null) {
            return problem(at + ".attribute", "no attribute is named \"" + name + "\" (custom attributes are declared first)");
        }
        ValueType type = switch (declared) {
            case STRING -> ValueType.STRING;
            case NUMBER -> ValueType.NUMBER;
            case BOOLEAN -> ValueType.BOOLEAN;
            case DATETIME -> ValueType.DATETIME;
            case DATE -> ValueType.DATE;
            case LIST -> ValueType.LIST;
            default -> null;
        };
        if (type == null) {
            return problem(at + ".attribute", "\"" + name + "\" is a point: use a condition of kind near");
        }
        Set<String> operators = switch (type) {
            case STRING -> Set.of("exists", "not_exists", "eq", "ne", "in", "not_in", "contains", "starts_with",
                    "version_eq", "version_ne", "version_gt", "version_gte", "version_lt", "version_lte", "version_between");
            case NUMBER -> Set.of("exists", "not_exists", "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between");
            case BOOLEAN -> Set.of("exists", "not_exists", "eq", "ne");
            case DATETIME -> Set.of("exists", "not_exists", "before", "after", "between", "within_last");
            case DATE -> Set.of("exists", "not_exists", "eq", "before", "after", "between");
            case LIST -> Set.of("exists", "not_exists", "contains", "contains_any", "contains_all");
            default -> Set.of();
        };
        Comparison comparison = comparison(type, node, at, operators);
        return comparison == null ? null : new Condition.AttributeIs(at, name, comparison);
    }

    /** Age in whole years, as a range of birth dates (so both evaluators compare dates, never compute ages). */
    private Condition age(JsonNode node, String at) {
        String operator = node.path("operator").asText("");
        if (!Set.of("eq", "gt", "gte", "lt", "lte", "between").contains(operator)) {
            return problem(at + ".operator", "for age: one of eq, gt, gte, lt, lte, between");
        }
        JsonNode value = node.get("value");
        if (operator.equals("between")) {
            if (value == null || !value.isArray() || value.size() != 2) {
                return problem(at + ".value", "two ages [from, to]");
            }
            Integer from = years(value.get(0), at + ".value[0]");
            Integer to = years(value.get(1), at + ".value[1]");
            if (from != null && to != null && from > to) {
                return problem(at + ".value", "the first age is at most the second");
            }
            return from == null || to == null ? null : new Condition.AgeIs(at, from, to + 1);
        }
        Integer n = years(value, at + ".value");
        if (n == null) {
            return null;
        }
        return switch (operator) {
            case "eq" -> new Condition.AgeIs(at, n, n + 1);
            case "gte" -> new Condition.AgeIs(at, n, null);
            case "gt" -> new Condition.AgeIs(at, n + 1, null);
            case "lte" -> new Condition.AgeIs(at, null, n + 1);
            case "lt" -> n == 0 ? problem(at + ".value", "no one is younger than 0") : new Condition.AgeIs(at, null, n);
            default -> problem(at + ".operator", "for age: one of eq, gt, gte, lt, lte, between");
        };
    }

    private Integer years(JsonNode value, String at) {
        if (value == null || !value.canConvertToExactIntegral() || !value.canConvertToInt() || value.asInt(-1) < 0 || value.asInt(-1) > 150) {
            problem(at, "an age in whole years, 0 to 150");
            return null;
        }
        return value.asInt();
    }

    private Condition sequence(JsonNode node, String at) {
        fields(node, at, "kind", "first", "then", "within", "then_happened", "window");
        JsonNode first = node.get("first");
        JsonNode then = node.get("then");
        if (first == null || !first.isObject()) {
            return problem(at + ".first", "the first event: {\"event\": …, \"where\": […]}");
        }
        if (then == null || !then.isObject()) {
            return problem(at + ".then", "the event that follows: {\"event\": …, \"where\": […]}");
        }
        fields(first, at + ".first", "event", "where");
        fields(then, at + ".then", "event", "where");
        Condition.EventMatch a = match(first, at + ".first");
        Condition.EventMatch b = match(then, at + ".then");
        Duration within = duration(node.get("within"), at + ".within");
        JsonNode happened = node.get("then_happened");
        if (happened != null && !happened.isBoolean()) {
            problem(at + ".then_happened", "true (then did) or false (then did not, within the time)");
        }
        return new Condition.Sequence(at, a, b, within, happened == null || happened.booleanValue(),
                window(node.get("window"), at + ".window"));
    }

    private Condition purchases(JsonNode node, String at) {
        fields(node, at, "kind", "measure", "currency", "operator", "value", "window");
        Condition.Measure measure = switch (node.path("measure").asText("")) {
            case "total" -> Condition.Measure.TOTAL;
            case "count" -> Condition.Measure.COUNT;
            case "average" -> Condition.Measure.AVERAGE;
            default -> {
                problem(at + ".measure", "one of total, count, average");
                yield null;
            }
        };
        String currency = node.has("currency") ? node.path("currency").asText("") : null;
        if (currency != null && !CURRENCY.matcher(currency).matches()) {
            problem(at + ".currency", "an ISO 4217 code such as EUR");
        }
        if (currency == null && measure != Condition.Measure.COUNT) {
            currency = context.defaultCurrency();
        }
        Comparison comparison = comparison(ValueType.NUMBER, node, at, Set.of("eq", "ne", "gt", "gte", "lt", "lte", "between"));
        return new Condition.Purchases(at, measure, currency, comparison, window(node.get("window"), at + ".window"));
    }

    private Condition.EventMatch match(JsonNode node, String at) {
        String name = null;
        if (node.has("event")) {
            name = node.path("event").isTextual() ? node.path("event").textValue() : "";
            if (!EVENT_NAME.matcher(name).matches()) {
                problem(at + ".event", "an event name (letters, digits, _ . : -, at most 128)");
            }
        }
        List<Condition.PropertyFilter> filters = new ArrayList<>();
        JsonNode where = node.get("where");
        if (where != null) {
            if (!where.isArray()) {
                problem(at + ".where", "a list of property filters");
            } else {
                for (int i = 0; i < where.size(); i++) {
                    Condition.PropertyFilter filter = property(where.get(i), at + ".where[" + i + "]");
                    if (filter != null) {
                        filters.add(filter);
                    }
                }
            }
        }
        return new Condition.EventMatch(name, List.copyOf(filters));
    }

    /** An event property filter: its type follows from the operator and the value (properties are free-form JSON). */
    private Condition.PropertyFilter property(JsonNode node, String at) {
        if (++nodes > MAX_NODES) {
            problem(at, "a definition has at most " + MAX_NODES + " conditions and filters");
            return null;
        }
        if (node == null || !node.isObject()) {
            problem(at, "a filter {\"property\": …, \"operator\": …, \"value\": …}");
            return null;
        }
        fields(node, at, "property", "operator", "value");
        String property = node.path("property").isTextual() ? node.path("property").textValue() : "";
        if (!PROPERTY_PATH.matcher(property).matches()) {
            problem(at + ".property", "a property name, or a dot path such as item.category");
        }
        String operator = node.path("operator").asText("");
        JsonNode value = node.get("value");
        JsonNode sample = value != null && value.isArray() && !value.isEmpty() ? value.get(0) : value;
        ValueType type;
        if (operator.startsWith("version_")) {
            type = ValueType.VERSION;
        } else if (Set.of("gt", "gte", "lt", "lte", "between").contains(operator) || (sample != null && sample.isNumber())) {
            type = ValueType.NUMBER;
        } else if (sample != null && sample.isBoolean()) {
            type = ValueType.BOOLEAN;
        } else {
            type = ValueType.STRING;
        }
        Set<String> operators = switch (type) {
            case NUMBER -> Set.of("exists", "not_exists", "eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "between");
            case BOOLEAN -> Set.of("exists", "not_exists", "eq", "ne");
            case VERSION -> Set.of("version_eq", "version_ne", "version_gt", "version_gte", "version_lt", "version_lte", "version_between");
            default -> Set.of("exists", "not_exists", "eq", "ne", "in", "not_in", "contains", "starts_with");
        };
        Comparison comparison = comparison(type, node, at, operators);
        return comparison == null ? null : new Condition.PropertyFilter(at, List.of(property.split("\\.")), comparison);
    }

    /** {@code operator} and {@code value} of a node, checked against the type. */
    private Comparison comparison(ValueType type, JsonNode node, String at, Set<String> allowed) {
        String name = node.path("operator").asText("");
        if (!allowed.contains(name)) {
            problem(at + ".operator", "for a " + type.name().toLowerCase() + " value: one of " + String.join(", ", allowed.stream().sorted().toList()));
            return null;
        }
        boolean version = name.startsWith("version_");
        ValueType operandType = version ? ValueType.VERSION : type;
        Operator operator = switch (version ? name.substring("version_".length()) : name) {
            case "exists" -> Operator.EXISTS;
            case "not_exists" -> Operator.NOT_EXISTS;
            case "eq" -> Operator.EQ;
            case "ne" -> Operator.NE;
            case "in" -> Operator.IN;
            case "not_in" -> Operator.NOT_IN;
            case "contains" -> Operator.CONTAINS;
            case "starts_with" -> Operator.STARTS_WITH;
            case "gt", "after" -> Operator.GT;
            case "gte" -> Operator.GTE;
            case "lt", "before" -> Operator.LT;
            case "lte" -> Operator.LTE;
            case "between" -> Operator.BETWEEN;
            case "within_last" -> Operator.WITHIN_LAST;
            case "contains_any" -> Operator.CONTAINS_ANY;
            case "contains_all" -> Operator.CONTAINS_ALL;
            default -> throw new IllegalStateException(name);
        };
        JsonNode value = node.get("value");
        String valueAt = at + ".value";
        if (operator == Operator.EXISTS || operator == Operator.NOT_EXISTS) {
            if (value != null) {
                problem(valueAt, "no value for " + name);
            }
            return new Comparison(ValueType.ANY, operator, List.of());
        }
        if (operator == Operator.WITHIN_LAST) {
            Duration d = duration(value, valueAt);
            return d == null ? null : new Comparison(operandType, operator, List.of(d));
        }
        boolean many = Set.of(Operator.IN, Operator.NOT_IN, Operator.BETWEEN, Operator.CONTAINS_ANY, Operator.CONTAINS_ALL).contains(operator);
        ValueType itemType = operandType == ValueType.LIST ? ValueType.STRING : operandType;
        List<Object> operands = new ArrayList<>();
        if (many) {
            if (value == null || !value.isArray() || value.isEmpty() || value.size() > MAX_VALUES
                    || (operator == Operator.BETWEEN && value.size() != 2)) {
                problem(valueAt, operator == Operator.BETWEEN ? "two values [from, to]" : "a list of 1 to " + MAX_VALUES + " values");
                return null;
            }
            for (int i = 0; i < value.size(); i++) {
                operands.add(operand(itemType, value.get(i), valueAt + "[" + i + "]"));
            }
        } else {
            operands.add(operand(itemType, value, valueAt));
        }
        if (operands.contains(null)) {
            return null;
        }
        if (operator == Operator.BETWEEN && new Comparison(operandType, Operator.GT, List.of(operands.get(1))).test(operands.get(0), Instant.EPOCH)) {
            problem(valueAt, "from is at most to");
            return null;
        }
        return new Comparison(operandType, operator, List.copyOf(operands));
    }

    private Object operand(ValueType type, JsonNode value, String at) {
        if (++values > MAX_TOTAL_VALUES) {
            problem(at, "a definition holds at most " + MAX_TOTAL_VALUES + " values");
            return null;
        }
        Object operand = value == null ? null : switch (type) {
            case STRING -> value.isTextual() && value.textValue().length() <= 1024 && value.textValue().indexOf('\0') < 0 ? value.textValue() : null;
            case VERSION -> value.isTextual() && Versions.isVersion(value.textValue()) ? value.textValue() : null;
            case NUMBER -> value.isNumber() && Math.abs(value.doubleValue()) < 1e15 ? new BigDecimal(value.asText()) : null;
            case BOOLEAN -> value.isBoolean() ? value.booleanValue() : null;
            case DATETIME -> instant(value);
            case DATE -> date(value);
            default -> null;
        };
        if (operand == null) {
            problem(at, switch (type) {
                case STRING -> "a text of at most 1024 characters, without NUL";
                case VERSION -> "a version such as 2.10.1";
                case NUMBER -> "a number";
                case BOOLEAN -> "true or false";
                case DATETIME -> "an RFC 3339 time between 1900 and 2200, e.g. 2026-11-23T10:00:00Z";
                case DATE -> "a date such as 1990-04-01";
                default -> "a value";
            });
        }
        return operand;
    }

    private Window window(JsonNode node, String at) {
        if (node == null) {
            return Window.EVER;
        }
        if (!node.isObject()) {
            problem(at, "{\"last\": \"P30D\"} or {\"from\": …, \"to\": …}");
            return Window.EVER;
        }
        fields(node, at, "last", "from", "to");
        if (node.has("last")) {
            if (node.has("from") || node.has("to")) {
                problem(at, "either last, or from and to");
            }
            return new Window(duration(node.get("last"), at + ".last"), null, null);
        }
        Instant from = node.has("from") ? instant(node.get("from")) : null;
        Instant to = node.has("to") ? instant(node.get("to")) : null;
        if (node.has("from") && from == null) {
            problem(at + ".from", "an RFC 3339 time between 1900 and 2200");
        }
        if (node.has("to") && to == null) {
            problem(at + ".to", "an RFC 3339 time between 1900 and 2200");
        }
        if (from == null && to == null && !node.has("from") && !node.has("to")) {
            problem(at, "{\"last\": \"P30D\"} or {\"from\": …, \"to\": …}");
        }
        if (from != null && to != null && !from.isBefore(to)) {
            problem(at + ".to", "after from");
        }
        return new Window(null, from, to);
    }

    private Duration duration(JsonNode node, String at) {
        Duration d = null;
        if (node != null && node.isTextual()) {
            try {
                d = Duration.parse(node.textValue());
            } catch (DateTimeParseException e) {
                d = null;
            }
        }
        if (d == null || d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(MAX_WINDOW) > 0) {
            problem(at, "an ISO 8601 duration from PT1S to P36500D, e.g. P30D or PT2H");
            return null;
        }
        return d.truncatedTo(ChronoUnit.MICROS);
    }

    private Condition.Bound bound(JsonNode node, String at) {
        if (node == null) {
            return new Condition.Bound(Condition.Bound.Kind.AT_LEAST, 1);
        }
        if (!node.isObject() || node.size() != 1) {
            problem(at, "one of {\"at_least\": n}, {\"at_most\": n}, {\"exactly\": n}");
            return null;
        }
        String name = node.fieldNames().next();
        Condition.Bound.Kind kind = switch (name) {
            case "at_least" -> Condition.Bound.Kind.AT_LEAST;
            case "at_most" -> Condition.Bound.Kind.AT_MOST;
            case "exactly" -> Condition.Bound.Kind.EXACTLY;
            default -> null;
        };
        JsonNode n = node.get(name);
        if (kind == null) {
            problem(at + "." + name, "one of at_least, at_most, exactly");
            return null;
        }
        if (!n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong(-1) < 0 || n.asLong() > 1_000_000) {
            problem(at + "." + name, "a whole number of events, 0 to 1000000");
            return null;
        }
        if (kind == Condition.Bound.Kind.AT_LEAST && n.asLong() == 0) {
            problem(at + "." + name, "at least 0 always holds: use at least 1, or at most 0 for \"did not\"");
            return null;
        }
        return new Condition.Bound(kind, n.asLong());
    }

    /** Refuses fields a node of this kind does not have (a misspelt field would otherwise be silently ignored). */
    private void fields(JsonNode node, String at, String... known) {
        Set<String> allowed = Set.of(known);
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                problem(at + "." + name, "not a field of this condition (expected " + String.join(", ", known) + ")");
            }
        }
    }

    private double number(JsonNode node, String at, double min, double max) {
        if (node == null || !node.isNumber() || node.doubleValue() < min || node.doubleValue() > max) {
            problem(at, "a number from " + min + " to " + max);
            return 0;
        }
        return node.doubleValue();
    }

    private UUID uuid(JsonNode node, String at) {
        try {
            return UUID.fromString(node == null ? "" : node.asText(""));
        } catch (IllegalArgumentException e) {
            problem(at, "a segment id");
            return null;
        }
    }

    private static Instant instant(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            Instant t = Instant.parse(node.textValue()).truncatedTo(ChronoUnit.MICROS);
            return t.isBefore(EARLIEST) || t.isAfter(LATEST) ? null : t;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static LocalDate date(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        try {
            LocalDate d = LocalDate.parse(node.textValue());
            return d.getYear() < 1900 || d.getYear() > 2200 ? null : d;
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private Condition problem(String at, String description) {
        problems.add(new Violation(at, description));
        return null;
    }

    /**
     * References may not lead back to the segment being saved (nor loop among others), and the definition with every
     * referenced one written out in place (as both evaluators see it) stays within bounds.
     */
    private void checkReferences(JsonNode definition, UUID self) {
        Set<UUID> seen = new HashSet<>();
        List<UUID> path = new ArrayList<>();
        if (self != null) {
            path.add(self);
        }
        walk(definition, "definition", path, seen, id -> context.segment(id).orElse(null));
        if (problems.isEmpty() && expandedSize(definition, new java.util.HashMap<>(), 0) > MAX_EXPANDED) {
            problem("definition", "with the segments it refers to written out, more than " + MAX_EXPANDED + " conditions");
        }
    }

    static final long MAX_EXPANDED = 5_000;

    /** Conditions counted with each reference replaced by the referenced definition (memoised per segment). */
    private long expandedSize(JsonNode node, Map<UUID, Long> memo, int depth) {
        if (node == null || !node.isObject() || depth > 64) {
            return 1;
        }
        long size = 1;
        if ("segment".equals(node.path("kind").asText())) {
            try {
                UUID id = UUID.fromString(node.path("segment_id").asText());
                Long known = memo.get(id);
                if (known == null) {
                    JsonNode referenced = context.segment(id).orElse(null);
                    known = referenced == null || !referenced.isObject() ? 1 : expandedSize(referenced, memo, depth + 1);
                    memo.put(id, known);
                }
                size += known;
            } catch (IllegalArgumentException e) {
                // reported by the parser
            }
        }
        JsonNode of = node.get("of");
        if (of != null && of.isArray()) {
            for (JsonNode child : of) {
                size += expandedSize(child, memo, depth + 1);
                if (size > MAX_EXPANDED) {
                    return size;
                }
            }
        }
        if (node.has("condition")) {
            size += expandedSize(node.get("condition"), memo, depth + 1);
        }
        return size;
    }

    /** @param reportAt the top-level reference a problem is reported at (null while walking the top level) */
    private void walk(JsonNode node, String at, List<UUID> path, Set<UUID> seen, Function<UUID, JsonNode> load) {
        walk(node, at, null, path, seen, load);
    }

    private void walk(JsonNode node, String at, String reportAt, List<UUID> path, Set<UUID> seen, Function<UUID, JsonNode> load) {
        for (Reference ref : references(node, at)) {
            String where = reportAt != null ? reportAt : ref.at();
            if (path.contains(ref.id())) {
                problem(where + ".segment_id", "a cycle of segment references: " + String.join(" → ",
                        java.util.stream.Stream.concat(path.stream(), java.util.stream.Stream.of(ref.id())).map(UUID::toString).toList()));
                return;
            }
            if (seen.add(ref.id())) {
                JsonNode referenced = load.apply(ref.id());
                if (referenced != null) {
                    path.add(ref.id());
                    walk(referenced, "definition", where, path, seen, load);
                    path.remove(path.size() - 1);
                }
            }
        }
    }

    private record Reference(UUID id, String at) {
    }

    /** The segment ids a definition refers to, with where (in the top-level definition) the reference is. */
    private static List<Reference> references(JsonNode node, String at) {
        List<Reference> found = new ArrayList<>();
        if (node != null && node.isObject()) {
            if ("segment".equals(node.path("kind").asText())) {
                try {
                    found.add(new Reference(UUID.fromString(node.path("segment_id").asText()), at));
                } catch (IllegalArgumentException e) {
                    // reported by the parser
                }
            }
            JsonNode of = node.get("of");
            if (of != null && of.isArray()) {
                for (int i = 0; i < of.size(); i++) {
                    found.addAll(references(of.get(i), at + ".of[" + i + "]"));
                }
            }
            if (node.has("condition")) {
                found.addAll(references(node.get("condition"), at + ".condition"));
            }
        }
        return found;
    }
}
