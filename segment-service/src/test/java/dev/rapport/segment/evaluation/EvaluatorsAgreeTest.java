package dev.rapport.segment.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.runtime.PurchaseConvention;
import dev.rapport.segment.ProfileSchemaStandIn;
import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.segment.definition.Condition;
import dev.rapport.segment.definition.DefinitionParser;
import dev.rapport.segment.definition.SqlParams;
import dev.rapport.segment.projection.Projection;
import dev.rapport.segment.projection.StoredJson;
import dev.rapport.segment.rfm.RfmRule;
import dev.rapport.segment.segment.SavedSegment;
import dev.rapport.testing.PostgresAndKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The property the real-time and batch evaluators must keep: for random profiles, event histories, consents and
 * segment definitions, the Java evaluator and the SQL the compiler makes of the same definition pick exactly the same
 * profiles. Random but reproducible: a failure names its seed (set -Dagreement.seed=… to replay it).
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileSchemaStandIn.class)
class EvaluatorsAgreeTest {
    private static final int PROFILES = 120;
    private static final int DEFINITIONS = 600;
    private static final Instant NOW = Instant.parse("2026-11-01T12:00:00.123456Z");
    private static final List<String> EVENTS = List.of("app_opened", "order_placed", "cart_added", "purchase", "session_started");
    private static final List<String> COUNTRIES = List.of("ES", "KR", "US", "DE");
    private static final List<String> INTERESTS = List.of("vegan", "sushi", "pizza", "halal", "gluten_free");
    private static final List<String> VERSIONS = List.of("1.2", "1.2.0", "1.10.3", "2.0", "2.0.1", "10.0", "beta", "1.9.9");
    private static final double[][] PLACES = {{41.3874, 2.1686}, {37.5665, 126.9780}, {40.4168, -3.7038}, {52.52, 13.405}};
    private static final String MARKETING = "marketing.communications";

    @Inject
    Pool pool;

    @Inject
    Projection projection;

    @Inject
    PurchaseConvention purchases;

    @Test
    void realTimeAndBatchPickTheSameProfiles() {
        long seed = Long.getLong("agreement.seed", System.nanoTime());
        Random random = new Random(seed);
        List<UUID> ids = storeProfiles(random);
        Map<UUID, Facts> facts = projection.read(pool, Set.copyOf(ids)).await().atMost(Duration.ofSeconds(30));
        assertEquals(PROFILES, facts.size());

        Map<UUID, Condition> saved = new HashMap<>();
        Map<UUID, JsonNode> savedJson = new HashMap<>();
        int nonTrivial = 0;
        int bounded = 0;
        int decidedEarly = 0;
        for (int d = 0; d < DEFINITIONS; d++) {
            JsonNode definition = definition(random, 0, savedJson);
            DefinitionParser.Result parsed = DefinitionParser.parse(definition, null, context(savedJson));
            assertTrue(parsed.valid(), () -> "seed " + seed + ": generated definition is invalid: " + parsed.problems() + "\n" + definition);

            Set<UUID> java = new HashSet<>();
            Evaluator evaluator = new Evaluator(saved, purchases, NOW);
            for (UUID id : ids) {
                if (evaluator.matches(parsed.condition(), facts.get(id))) {
                    java.add(id);
                }
            }
            // What attributes, consent and RFM decide without events is what the whole history decides.
            for (UUID id : ids) {
                Boolean early = evaluator.withoutEvents(parsed.condition(), facts.get(id));
                if (early != null) {
                    assertEquals(java.contains(id), early, "seed " + seed + ", definition " + d + " decided without events for " + id + ": " + definition);
                    decidedEarly++;
                }
            }
            // Real time reads only the part of each history the definition needs: the same profiles must match.
            EventHistory history = EventHistory.of(SavedSegment.Inputs.of(parsed.condition(), saved::get, purchases).eventUses(), NOW);
            Map<UUID, Facts> part = projection.read(pool, Set.copyOf(ids), history).await().atMost(Duration.ofSeconds(30));
            Set<UUID> fromPart = new HashSet<>();
            for (UUID id : ids) {
                if (evaluator.matches(parsed.condition(), part.get(id))) {
                    fromPart.add(id);
                }
            }
            assertEquals(java, fromPart, "seed " + seed + ", definition " + d + " on the part of the history it reads (" + history + "): " + definition);
            if (!history.wholeOfEvery() && history.since() != null) {
                bounded++;
            }
            Set<UUID> sql = sql(parsed.condition(), saved, ids);
            if (!java.equals(sql)) {
                Set<UUID> onlyJava = new HashSet<>(java);
                onlyJava.removeAll(sql);
                Set<UUID> onlySql = new HashSet<>(sql);
                onlySql.removeAll(java);
                UUID example = !onlyJava.isEmpty() ? onlyJava.iterator().next() : onlySql.iterator().next();
                fail("seed " + seed + ", definition " + d + ": " + definition + "\nonly Java: " + onlyJava.size() + ", only SQL: "
                        + onlySql.size() + "\nexample " + example + ": " + facts.get(example) + "\nexplained: "
                        + evaluator.evaluate(parsed.condition(), facts.get(example)));
            }
            if (!java.isEmpty() && java.size() < PROFILES) {
                nonTrivial++;
            }
            // Some definitions become segments later ones refer to.
            if (random.nextInt(8) == 0) {
                UUID id = UUID.randomUUID();
                saved.put(id, parsed.condition());
                savedJson.put(id, definition);
            }
        }
        // A generator whose definitions all match everyone or no one would prove nothing.
        assertTrue(nonTrivial > DEFINITIONS / 4, "only " + nonTrivial + " definitions split the profiles (seed " + seed + ")");
        assertTrue(decidedEarly > DEFINITIONS * PROFILES / 10, "only " + decidedEarly + " evaluations were decided without events (seed " + seed + ")");
        assertTrue(bounded > DEFINITIONS / 10, "only " + bounded + " definitions read a part of the history (seed " + seed + ")");

        ConsentPolicy policy = ConsentPolicy.standard();
        for (String purpose : List.of(MARKETING, "essential.service", "analytics", "third_party_sharing", "support")) {
            SqlParams params = new SqlParams((Object) ids.toArray(UUID[]::new));
            Map<UUID, String> sqlBasis = new HashMap<>();
            pool.preparedQuery("SELECT p.profile_id, " + PurposeBasis.sql(policy, purpose, params) + " AS basis FROM "
                    + new SqlCompiler(Map.of(), purchases, NOW, params).from(true) + " WHERE p.profile_id = ANY($1)")
                    .execute(Tuple.tuple(params.values())).await().atMost(Duration.ofSeconds(30))
                    .forEach(r -> sqlBasis.put(r.getUUID("profile_id"), r.getString("basis")));
            for (UUID id : ids) {
                assertEquals(PurposeBasis.of(policy, purpose, facts.get(id).consent()).name(), sqlBasis.get(id), "basis of " + id + " for " + purpose);
            }
        }
    }

    private Set<UUID> sql(Condition condition, Map<UUID, Condition> saved, List<UUID> ids) {
        SqlParams params = new SqlParams((Object) ids.toArray(UUID[]::new));
        SqlCompiler compiler = new SqlCompiler(saved, purchases, NOW, params);
        String where = compiler.compile(condition);
        Set<UUID> matched = new HashSet<>();
        // Joined only as the definition needs: what production does, so the joins' absence is tested too.
        pool.preparedQuery("SELECT p.profile_id FROM " + compiler.from(false) + " WHERE p.profile_id = ANY($1) AND " + where)
                .execute(Tuple.tuple(params.values())).await().atMost(Duration.ofSeconds(30))
                .forEach(r -> matched.add(r.getUUID("profile_id")));
        return matched;
    }

    private List<UUID> storeProfiles(Random random) {
        List<UUID> ids = new ArrayList<>();
        List<Object[]> events = new ArrayList<>();
        for (int i = 0; i < PROFILES; i++) {
            UUID id = UUID.randomUUID();
            ids.add(id);
            ObjectNode attributes = StoredJson.mapper().createObjectNode();
            maybe(random, () -> attributes.put("country", pick(random, COUNTRIES)));
            maybe(random, () -> attributes.put("language", pick(random, List.of("en", "ko", "es", "ca-ES"))));
            maybe(random, () -> attributes.put("birth_date", birthDate(random).toString()));
            maybe(random, () -> {
                double[] place = PLACES[random.nextInt(PLACES.length)];
                attributes.putObject("location").put("latitude", place[0] + random.nextGaussian() * 0.3)
                        .put("longitude", place[1] + random.nextGaussian() * 0.3).put("accuracy_m", 10);
            });
            maybe(random, () -> attributes.put("loyalty_points", BigDecimal.valueOf(random.nextInt(20000), 1)));
            maybe(random, () -> attributes.put("vip", random.nextBoolean()));
            maybe(random, () -> attributes.put("app_version", pick(random, VERSIONS)));
            maybe(random, () -> attributes.put("signup_time", switch (random.nextInt(6)) {
                // Finer than PostgreSQL keeps: both must round it the same way.
                case 0 -> NOW.minus(Duration.ofDays(20)).minusNanos(500).toString();
                case 1 -> NOW.minus(Duration.ofDays(20)).plusNanos(1500).toString();
                case 2 -> "0000-01-01T00:00:00Z"; // no year 0 in PostgreSQL: read as no value by both
                default -> NOW.minus(random.nextInt(400 * 24 * 60), ChronoUnit.MINUTES).toString();
            }));
            maybe(random, () -> {
                ArrayNode list = attributes.putArray("interests");
                INTERESTS.stream().filter(x -> random.nextInt(3) == 0).forEach(list::add);
            });
            if (random.nextInt(10) == 0) {
                attributes.putNull("city"); // a removed value stays JSON null nowhere, but must read as missing if it did
            }
            pool.preparedQuery("INSERT INTO profile (profile_id, version, attributes) VALUES ($1, 1, ($2::text)::jsonb)")
                    .execute(Tuple.of(id, StoredJson.write(attributes))).await().atMost(Duration.ofSeconds(10));
            if (random.nextInt(4) != 0) {
                ObjectNode decisions = StoredJson.mapper().createObjectNode();
                maybe(random, () -> decisions.put(MARKETING, random.nextBoolean()));
                maybe(random, () -> decisions.put(MARKETING + "/email", random.nextBoolean()));
                maybe(random, () -> decisions.put("analytics", random.nextBoolean()));
                maybe(random, () -> decisions.put("third_party_sharing", random.nextBoolean()));
                maybe(random, () -> decisions.put(PurposeBasis.REGIME, pick(random, List.of("GDPR", "CCPA", "US", "default", "unknown"))));
                pool.preparedQuery("INSERT INTO consent (subject, version, decisions) VALUES ($1, 1, ($2::text)::jsonb)")
                        .execute(Tuple.of(id.toString(), StoredJson.write(decisions))).await().atMost(Duration.ofSeconds(10));
            }
            if (random.nextBoolean()) {
                int r = 1 + random.nextInt(5), f = 1 + random.nextInt(5), m = 1 + random.nextInt(5);
                pool.preparedQuery("""
                        INSERT INTO rfm_score (profile_id, recency, frequency, monetary, segment, last_purchase, purchases, total, change_time)
                        VALUES ($1, $2, $3, $4, $5, now(), 1, 10, now())""")
                        .execute(Tuple.of(id, r, f, m, RfmRule.segmentOf(RfmRule.STANDARD, r, f, m))).await().atMost(Duration.ofSeconds(10));
            }
            int n = random.nextInt(4) == 0 ? 0 : random.nextInt(25);
            for (int e = 0; e < n; e++) {
                events.add(new Object[] {UUID.randomUUID().toString(), id, pick(random, EVENTS), eventTime(random), properties(random)});
            }
        }
        for (Object[] e : events) {
            pool.preparedQuery("INSERT INTO event (event_id, profile_id, name, occur_time, properties) VALUES ($1, $2, $3, $4, ($5::text)::jsonb)")
                    .execute(Tuple.from(List.of(e))).await().atMost(Duration.ofSeconds(10));
        }
        return ids;
    }

    private static OffsetDateTime eventTime(Random random) {
        Instant at = switch (random.nextInt(12)) {
            case 0 -> NOW.minus(Duration.ofDays(30)); // on a window's edge
            case 1 -> NOW.minus(Duration.ofDays(7));
            case 2 -> NOW.plus(Duration.ofHours(3)); // in the future
            default -> NOW.minus(random.nextLong(120L * 24 * 3600 * 1_000_000), ChronoUnit.MICROS);
        };
        return OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }

    private static String properties(Random random) {
        ObjectNode p = StoredJson.mapper().createObjectNode();
        maybe(random, () -> p.put("total", BigDecimal.valueOf(random.nextInt(20000), 2)));
        if (random.nextInt(6) == 0) {
            p.put("amount", BigDecimal.valueOf(random.nextInt(5000), 1));
        }
        if (random.nextInt(8) == 0) {
            p.put("total", "12.50"); // a text, not an amount
        }
        maybe(random, () -> p.put("currency", pick(random, List.of("EUR", "USD", "EUR", "usd", "EURO", "€"))));
        maybe(random, () -> p.put("category", pick(random, List.of("pizza", "sushi", "burgers", "Pizza"))));
        maybe(random, () -> p.put("coupon", random.nextBoolean()));
        maybe(random, () -> p.putObject("item").put("category", pick(random, List.of("drinks", "mains"))).put("quantity", random.nextInt(5)));
        maybe(random, () -> p.put("app_version", pick(random, VERSIONS)));
        if (random.nextInt(4) == 0) {
            p.putArray("items").add("gift"); // a text key never indexes an array
        }
        if (random.nextInt(4) == 0) {
            p.put("null", 1); // a key named null is just a key
        }
        return StoredJson.write(p);
    }

    private static LocalDate birthDate(Random random) {
        LocalDate today = LocalDate.ofInstant(NOW, ZoneOffset.UTC);
        return switch (random.nextInt(8)) {
            case 0 -> today.minusYears(18); // an 18th birthday today
            case 1 -> today.minusYears(30).plusDays(1);
            case 2 -> LocalDate.of(2000, 2, 29);
            case 3 -> LocalDate.of(0, 1, 1);
            default -> LocalDate.of(1930, 1, 1).plusDays(random.nextInt(85 * 365));
        };
    }

    // ---- random definitions ----

    private JsonNode definition(Random random, int depth, Map<UUID, JsonNode> saved) {
        ObjectNode node = StoredJson.mapper().createObjectNode();
        int choice = depth >= 3 ? 3 + random.nextInt(13) : random.nextInt(16);
        switch (choice) {
            case 0, 1 -> {
                node.put("kind", random.nextBoolean() ? "and" : "or");
                ArrayNode of = node.putArray("of");
                int n = 1 + random.nextInt(3);
                for (int i = 0; i < n; i++) {
                    of.add(definition(random, depth + 1, saved));
                }
            }
            case 2 -> node.put("kind", "not").set("condition", definition(random, depth + 1, saved));
            case 3, 4, 5 -> attribute(random, node);
            case 6 -> {
                node.put("kind", "attribute").put("attribute", "age");
                int a = 10 + random.nextInt(60);
                String op = pick(random, List.of("eq", "gt", "gte", "lt", "lte", "between"));
                node.put("operator", op);
                if (op.equals("between")) {
                    node.putArray("value").add(a).add(a + random.nextInt(20));
                } else {
                    node.put("value", a);
                }
            }
            case 7 -> {
                double[] place = PLACES[random.nextInt(PLACES.length)];
                node.put("kind", "near").put("latitude", place[0]).put("longitude", place[1]).put("radius_km", 5 + random.nextInt(60));
            }
            case 8, 9 -> {
                node.put("kind", "event");
                eventMatch(random, node);
                if (random.nextBoolean()) {
                    String bound = pick(random, List.of("at_least", "at_most", "exactly"));
                    node.putObject("count").put(bound, bound.equals("at_least") ? 1 + random.nextInt(4) : random.nextInt(4));
                }
                window(random, node);
            }
            case 10 -> {
                node.put("kind", random.nextBoolean() ? "first_event" : "last_event");
                eventMatch(random, node);
                String op = pick(random, List.of("before", "after", "between", "within_last"));
                node.put("operator", op);
                switch (op) {
                    case "within_last" -> node.put("value", pick(random, List.of("P7D", "P30D", "PT12H")));
                    case "between" -> node.putArray("value").add(NOW.minus(Duration.ofDays(60)).toString()).add(NOW.minus(Duration.ofDays(10)).toString());
                    default -> node.put("value", NOW.minus(Duration.ofDays(random.nextInt(90))).toString());
                }
            }
            case 11 -> {
                node.put("kind", "sequence");
                eventMatch(random, node.putObject("first"));
                eventMatch(random, node.putObject("then"));
                node.put("within", pick(random, List.of("PT2H", "P1D", "P7D", "P30D")));
                node.put("then_happened", random.nextBoolean());
                window(random, node);
            }
            case 12 -> {
                node.put("kind", "purchases");
                String measure = pick(random, List.of("total", "count", "average"));
                node.put("measure", measure);
                if (random.nextBoolean()) {
                    node.put("currency", pick(random, List.of("EUR", "USD")));
                }
                String op = pick(random, List.of("eq", "ne", "gt", "gte", "lt", "lte", "between"));
                node.put("operator", op);
                int v = measure.equals("count") ? random.nextInt(5) : random.nextInt(300);
                if (op.equals("between")) {
                    node.putArray("value").add(v).add(v + random.nextInt(200));
                } else {
                    node.put("value", measure.equals("average") && random.nextBoolean() ? BigDecimal.valueOf(random.nextInt(30000), 2) : BigDecimal.valueOf(v));
                }
                window(random, node);
            }
            case 14 -> {
                node.put("kind", "rfm");
                if (random.nextBoolean()) {
                    node.put("score", "segment").put("operator", pick(random, List.of("eq", "ne", "in", "exists")));
                    switch (node.get("operator").asText()) {
                        case "in" -> node.putArray("value").add("Champions").add(pick(random, RfmRule.STANDARD).name());
                        case "exists" -> {
                        }
                        default -> node.put("value", pick(random, RfmRule.STANDARD).name());
                    }
                } else {
                    node.put("score", pick(random, List.of("recency", "frequency", "monetary")))
                            .put("operator", pick(random, List.of("eq", "gte", "lt"))).put("value", 1 + random.nextInt(5));
                }
            }
            case 13 -> {
                node.put("kind", "consent").put("purpose", pick(random, List.of(MARKETING, "analytics")))
                        .put("state", pick(random, List.of("granted", "withdrawn", "undecided")));
                if (random.nextBoolean()) {
                    node.put("channel", "email");
                }
            }
            default -> {
                if (saved.isEmpty()) {
                    attribute(random, node);
                } else {
                    List<UUID> ids = new ArrayList<>(saved.keySet());
                    ids.sort(null);
                    node.put("kind", "segment").put("segment_id", pick(random, ids).toString());
                }
            }
        }
        return node;
    }

    private static void attribute(Random random, ObjectNode node) {
        node.put("kind", "attribute");
        switch (random.nextInt(8)) {
            case 0 -> {
                node.put("attribute", "country");
                String op = pick(random, List.of("eq", "ne", "in", "not_in", "exists", "not_exists", "starts_with", "contains"));
                node.put("operator", op);
                switch (op) {
                    case "in", "not_in" -> {
                        ArrayNode list = node.putArray("value");
                        COUNTRIES.stream().filter(x -> random.nextBoolean()).forEach(list::add);
                        if (list.isEmpty()) {
                            list.add("ES");
                        }
                    }
                    case "exists", "not_exists" -> {
                    }
                    case "starts_with", "contains" -> node.put("value", pick(random, List.of("E", "S", "K", "")));
                    default -> node.put("value", pick(random, COUNTRIES));
                }
            }
            case 1 -> {
                node.put("attribute", "loyalty_points");
                String op = pick(random, List.of("eq", "ne", "gt", "gte", "lt", "lte", "between", "in", "not_in"));
                node.put("operator", op);
                BigDecimal v = BigDecimal.valueOf(random.nextInt(2000), 0).setScale(random.nextBoolean() ? 0 : 1, RoundingMode.UNNECESSARY);
                switch (op) {
                    case "between" -> node.putArray("value").add(v).add(v.add(BigDecimal.valueOf(random.nextInt(500))));
                    case "in", "not_in" -> node.putArray("value").add(v).add(BigDecimal.valueOf(random.nextInt(2000)));
                    default -> node.put("value", v);
                }
            }
            case 2 -> node.put("attribute", "vip").put("operator", pick(random, List.of("eq", "ne"))).put("value", random.nextBoolean());
            case 3 -> {
                node.put("attribute", "app_version");
                String op = pick(random, List.of("version_eq", "version_ne", "version_gt", "version_gte", "version_lt", "version_lte", "eq"));
                node.put("operator", op).put("value", pick(random, VERSIONS.subList(0, VERSIONS.size() - 2)));
            }
            case 4 -> {
                node.put("attribute", "signup_time");
                String op = pick(random, List.of("before", "after", "between", "within_last", "exists"));
                node.put("operator", op);
                switch (op) {
                    case "between" -> node.putArray("value").add(NOW.minus(Duration.ofDays(300)).toString()).add(NOW.minus(Duration.ofDays(20)).toString());
                    case "before", "after" -> node.put("value", random.nextBoolean() ? NOW.minus(Duration.ofDays(20)).toString()
                            : NOW.minus(Duration.ofDays(random.nextInt(400))).toString());
                    case "within_last" -> node.put("value", pick(random, List.of("P30D", "P90D")));
                    case "exists" -> {
                    }
                    default -> node.put("value", NOW.minus(Duration.ofDays(random.nextInt(400))).toString());
                }
            }
            case 5 -> {
                node.put("attribute", "birth_date");
                String op = pick(random, List.of("before", "after", "eq", "between"));
                node.put("operator", op);
                if (op.equals("between")) {
                    node.putArray("value").add("1960-01-01").add("1995-06-30");
                } else {
                    node.put("value", pick(random, List.of("1980-05-05", "2000-02-29", "1990-01-01")));
                }
            }
            case 6 -> {
                node.put("attribute", "interests");
                String op = pick(random, List.of("contains", "contains_any", "contains_all", "exists", "not_exists"));
                node.put("operator", op);
                switch (op) {
                    case "contains" -> node.put("value", pick(random, INTERESTS));
                    case "contains_any", "contains_all" -> node.putArray("value").add(pick(random, INTERESTS)).add(pick(random, INTERESTS));
                    default -> {
                    }
                }
            }
            default -> node.put("attribute", "language").put("operator", "in").putArray("value").add("ko").add("ca-ES");
        }
    }

    private static void eventMatch(Random random, ObjectNode node) {
        if (random.nextInt(5) != 0) {
            node.put("event", pick(random, EVENTS));
        }
        if (random.nextBoolean()) {
            ArrayNode where = node.putArray("where");
            int n = 1 + random.nextInt(2);
            for (int i = 0; i < n; i++) {
                ObjectNode f = where.addObject();
                switch (random.nextInt(8)) {
                    case 0 -> f.put("property", "total").put("operator", pick(random, List.of("gt", "gte", "lt", "lte")))
                            .put("value", BigDecimal.valueOf(random.nextInt(20000), 2));
                    case 1 -> f.put("property", "category").put("operator", pick(random, List.of("eq", "ne", "starts_with")))
                            .put("value", pick(random, List.of("pizza", "sushi", "P")));
                    case 2 -> f.put("property", "coupon").put("operator", "eq").put("value", random.nextBoolean());
                    case 3 -> f.put("property", "item.category").put("operator", pick(random, List.of("in", "not_in")))
                            .putArray("value").add("drinks");
                    case 4 -> f.put("property", "currency").put("operator", pick(random, List.of("exists", "not_exists")));
                    case 5 -> f.put("property", "app_version").put("operator", pick(random, List.of("version_gte", "version_lt")))
                            .put("value", pick(random, List.of("1.10", "2.0")));
                    case 6 -> f.put("property", pick(random, List.of("items.0", "null", "item.category.x"))).put("operator", pick(random, List.of("exists", "not_exists")));
                    default -> f.put("property", "item.quantity").put("operator", "between").putArray("value").add(1).add(3);
                }
            }
        }
    }

    private static void window(Random random, ObjectNode node) {
        switch (random.nextInt(4)) {
            case 0 -> node.putObject("window").put("last", pick(random, List.of("P7D", "P30D", "PT36H")));
            case 1 -> node.putObject("window").put("from", NOW.minus(Duration.ofDays(60)).toString()).put("to", NOW.minus(Duration.ofDays(7)).toString());
            default -> {
            }
        }
    }

    private DefinitionParser.Context context(Map<UUID, JsonNode> saved) {
        Map<String, AttributeDefinition.Type> types = new LinkedHashMap<>(ProfileSchemaStandIn.ATTRIBUTES);
        return DefinitionParser.Context.of(types, id -> Optional.ofNullable(saved.get(id)), purchases.defaultCurrency());
    }

    private static void maybe(Random random, Runnable action) {
        if (random.nextInt(3) != 0) {
            action.run();
        }
    }

    private static <T> T pick(Random random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }
}
