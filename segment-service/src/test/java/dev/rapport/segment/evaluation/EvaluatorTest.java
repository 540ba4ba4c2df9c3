package dev.rapport.segment.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;


import dev.rapport.runtime.PurchaseConvention;
import dev.rapport.segment.ProfileSchemaStandIn;
import dev.rapport.segment.definition.DefinitionParser;
import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.segment.projection.StoredJson;

/**
 * What each kind of condition means, on hand-made profiles with known answers. {@link EvaluatorsAgreeTest} then holds
 * the SQL to the same answers, so this proves both evaluators right, not only alike.
 */
class EvaluatorTest {
    private static final Instant NOW = Instant.parse("2026-11-01T12:00:00Z");
    private static final PurchaseConvention PURCHASES = new PurchaseConvention() {
        @Override
        public List<String> events() {
            return List.of("order_placed", "purchase");
        }

        @Override
        public List<String> amountProperties() {
            return List.of("total", "amount");
        }

        @Override
        public String currencyProperty() {
            return "currency";
        }

        @Override
        public String defaultCurrency() {
            return "EUR";
        }
    };

    @Test
    void geographic() {
        String nearBarcelona = "{\"kind\": \"near\", \"latitude\": 41.3874, \"longitude\": 2.1686, \"radius_km\": 10}";
        assertTrue(holds(nearBarcelona, profile("{\"location\": {\"latitude\": 41.40, \"longitude\": 2.17}}")));
        assertEquals(false, holds(nearBarcelona, profile("{\"location\": {\"latitude\": 40.4168, \"longitude\": -3.7038}}")));
        assertEquals(false, holds(nearBarcelona, profile("{}")));
        assertTrue(holds("{\"kind\": \"attribute\", \"attribute\": \"country\", \"operator\": \"in\", \"value\": [\"ES\", \"KR\"]}",
                profile("{\"country\": \"KR\"}")));
    }

    @Test
    void demographicAgeInWholeYearsOnTheDay() {
        String twentyFiveToThirtyFour = "{\"kind\": \"attribute\", \"attribute\": \"age\", \"operator\": \"between\", \"value\": [25, 34]}";
        assertEquals(false, holds(twentyFiveToThirtyFour, profile("{\"birth_date\": \"2001-11-02\"}"))); // 25 tomorrow
        assertTrue(holds(twentyFiveToThirtyFour, profile("{\"birth_date\": \"2001-11-01\"}"))); // 25 today
        assertTrue(holds(twentyFiveToThirtyFour, profile("{\"birth_date\": \"1991-11-02\"}"))); // 34 until tomorrow
        assertEquals(false, holds(twentyFiveToThirtyFour, profile("{\"birth_date\": \"1991-11-01\"}"))); // 35 today
        assertEquals(false, holds(twentyFiveToThirtyFour, profile("{}")));
    }

    @Test
    void technographicVersionsCompareAsNumbers() {
        String atLeast = "{\"kind\": \"attribute\", \"attribute\": \"app_version\", \"operator\": \"version_gte\", \"value\": \"2.10\"}";
        assertTrue(holds(atLeast, profile("{\"app_version\": \"2.10.1\"}")));
        assertTrue(holds(atLeast, profile("{\"app_version\": \"10.0\"}")));
        assertEquals(false, holds(atLeast, profile("{\"app_version\": \"2.9\"}")));
        assertEquals(false, holds(atLeast, profile("{\"app_version\": \"beta\"}")));
        assertTrue(holds("{\"kind\": \"attribute\", \"attribute\": \"app_version\", \"operator\": \"version_eq\", \"value\": \"1.2\"}",
                profile("{\"app_version\": \"1.2.0\"}")));
    }

    @Test
    void needsBasedListMembership() {
        String diet = "{\"kind\": \"attribute\", \"attribute\": \"interests\", \"operator\": \"contains_any\", \"value\": [\"vegan\", \"halal\"]}";
        assertTrue(holds(diet, profile("{\"interests\": [\"sushi\", \"vegan\"]}")));
        assertEquals(false, holds(diet, profile("{\"interests\": []}")));
        assertTrue(holds("{\"kind\": \"attribute\", \"attribute\": \"interests\", \"operator\": \"not_exists\"}", profile("{}")));
    }

    @Test
    void behaviouralCountsFiltersWindowsAndDidNot() {
        String twiceBig = "{\"kind\": \"event\", \"event\": \"order_placed\", \"where\": [{\"property\": \"total\", \"operator\": \"gte\", \"value\": 20}],"
                + " \"count\": {\"at_least\": 2}, \"window\": {\"last\": \"P30D\"}}";
        assertTrue(holds(twiceBig, profile("{}", event("order_placed", 1, "{\"total\": 25}"), event("order_placed", 29, "{\"total\": 20}"))));
        assertEquals(false, holds(twiceBig, profile("{}", event("order_placed", 1, "{\"total\": 25}"), event("order_placed", 31, "{\"total\": 50}"))));
        assertEquals(false, holds(twiceBig, profile("{}", event("order_placed", 1, "{\"total\": 25}"), event("order_placed", 2, "{\"total\": 19.99}"))));
        String lapsed = "{\"kind\": \"event\", \"event\": \"app_opened\", \"count\": {\"at_most\": 0}, \"window\": {\"last\": \"P14D\"}}";
        assertTrue(holds(lapsed, profile("{}", event("app_opened", 20, "{}"))));
        assertEquals(false, holds(lapsed, profile("{}", event("app_opened", 3, "{}"))));
        String nested = "{\"kind\": \"event\", \"event\": \"order_placed\", \"where\": [{\"property\": \"item.category\", \"operator\": \"eq\", \"value\": \"vegan\"}]}";
        assertTrue(holds(nested, profile("{}", event("order_placed", 1, "{\"item\": {\"category\": \"vegan\"}}"))));
    }

    @Test
    void sequencesThenNoneWithin() {
        String abandoned = "{\"kind\": \"sequence\", \"first\": {\"event\": \"cart_added\"}, \"then\": {\"event\": \"order_placed\"},"
                + " \"within\": \"PT2H\", \"then_happened\": false}";
        assertEquals(false, holds(abandoned, profile("{}", at("cart_added", Duration.ofHours(5)), at("order_placed", Duration.ofHours(4)))));
        assertTrue(holds(abandoned, profile("{}", at("cart_added", Duration.ofHours(5)), at("order_placed", Duration.ofHours(2)))));
        assertEquals(false, holds(abandoned, profile("{}", at("cart_added", Duration.ofHours(1))))); // two hours have not passed yet
        assertTrue(holds(abandoned.replace("false", "true"), profile("{}", at("cart_added", Duration.ofHours(5)), at("order_placed", Duration.ofHours(4)))));
    }

    @Test
    void lifecycleLastSeen() {
        String active = "{\"kind\": \"last_event\", \"operator\": \"within_last\", \"value\": \"P3D\"}";
        assertTrue(holds(active, profile("{}", event("page_viewed", 2, "{}"), event("app_opened", 10, "{}"))));
        assertEquals(false, holds(active, profile("{}", event("page_viewed", 5, "{}"))));
        assertEquals(false, holds(active, profile("{}")));
        assertTrue(holds("{\"kind\": \"first_event\", \"operator\": \"before\", \"value\": \"2026-10-01T00:00:00Z\"}",
                profile("{}", event("page_viewed", 40, "{}"), event("page_viewed", 2, "{}"))));
    }

    @Test
    void valueBasedSpendCountAndAverage() {
        Facts buyer = profile("{}", event("order_placed", 1, "{\"total\": 20}"), event("purchase", 2, "{\"amount\": 40, \"currency\": \"EUR\"}"),
                event("order_placed", 3, "{\"total\": 500, \"currency\": \"usd\"}"), event("cart_added", 1, "{\"total\": 999}"));
        assertTrue(holds("{\"kind\": \"purchases\", \"measure\": \"average\", \"operator\": \"eq\", \"value\": 30}", buyer));
        assertTrue(holds("{\"kind\": \"purchases\", \"measure\": \"total\", \"operator\": \"eq\", \"value\": 60}", buyer));
        assertTrue(holds("{\"kind\": \"purchases\", \"measure\": \"count\", \"operator\": \"eq\", \"value\": 3}", buyer)); // all currencies
        assertTrue(holds("{\"kind\": \"purchases\", \"measure\": \"total\", \"currency\": \"USD\", \"operator\": \"gte\", \"value\": 500}", buyer));
        assertTrue(holds("{\"kind\": \"purchases\", \"measure\": \"total\", \"operator\": \"lt\", \"value\": 10}", profile("{}"))); // spent nothing
        assertEquals(false, holds("{\"kind\": \"purchases\", \"measure\": \"average\", \"operator\": \"lt\", \"value\": 10}", profile("{}")));
    }

    @Test
    void consentAndRfm() {
        Facts person = new Facts(UUID.randomUUID(), StoredJson.read("{}"), List.of(),
                StoredJson.read("{\"marketing.communications\": true, \"marketing.communications/email\": false}"),
                StoredJson.read("{\"segment\": \"Champions\", \"recency\": 5, \"frequency\": 4, \"monetary\": 5}"));
        assertTrue(holds("{\"kind\": \"consent\", \"purpose\": \"marketing.communications\", \"channel\": \"email\", \"state\": \"withdrawn\"}", person));
        assertTrue(holds("{\"kind\": \"consent\", \"purpose\": \"marketing.communications\", \"channel\": \"sms\", \"state\": \"granted\"}", person));
        assertTrue(holds("{\"kind\": \"consent\", \"purpose\": \"analytics\", \"state\": \"undecided\"}", person));
        ConsentPolicy policy = ConsentPolicy.standard();
        assertEquals(PurposeBasis.GRANTED, PurposeBasis.of(policy, "marketing.communications", person.consent()));
        assertEquals(PurposeBasis.UNDECIDED, PurposeBasis.of(policy, "analytics", person.consent()));
        assertEquals(PurposeBasis.GRANTED, PurposeBasis.of(policy, "essential.service", null));
        assertEquals(PurposeBasis.UNDECIDED, PurposeBasis.of(policy, "personalize", null), "no consent at all: the default regime, opt-in");
        // California: sale and sharing hold until the person opts out.
        assertEquals(PurposeBasis.GRANTED, PurposeBasis.of(policy, "third_party_sharing", StoredJson.read("{\"@regime\": \"CCPA\"}")));
        assertEquals(PurposeBasis.WITHDRAWN, PurposeBasis.of(policy, "third_party_sharing",
                StoredJson.read("{\"@regime\": \"CCPA\", \"third_party_sharing\": false}")));
        assertEquals(PurposeBasis.UNDECIDED, PurposeBasis.of(policy, "third_party_sharing", StoredJson.read("{\"@regime\": \"GDPR\"}")));
        assertEquals(PurposeBasis.GRANTED, PurposeBasis.of(policy, "support", StoredJson.read("{\"@regime\": \"GDPR\"}")));
        assertTrue(holds("{\"kind\": \"rfm\", \"score\": \"segment\", \"operator\": \"eq\", \"value\": \"Champions\"}", person));
        assertTrue(holds("{\"kind\": \"rfm\", \"score\": \"frequency\", \"operator\": \"gte\", \"value\": 4}", person));
        assertEquals(false, holds("{\"kind\": \"rfm\", \"score\": \"recency\", \"operator\": \"lt\", \"value\": 5}", person));
    }

    // ---- helpers ----

    private static boolean holds(String definition, Facts facts) {
        DefinitionParser.Result parsed = DefinitionParser.parse(StoredJson.read(definition), null, ProfileSchemaStandIn.definitions(Map.of()));
        assertTrue(parsed.valid(), parsed.problems().toString());
        return new Evaluator(Map.of(), PURCHASES, NOW).matches(parsed.condition(), facts);
    }

    private static Facts profile(String attributes, Facts.StoredEvent... events) {
        return new Facts(UUID.randomUUID(), StoredJson.read(attributes), new ArrayList<>(List.of(events)), null, null);
    }

    private static Facts.StoredEvent event(String name, int daysAgo, String properties) {
        return at(name, Duration.ofDays(daysAgo), properties);
    }

    private static Facts.StoredEvent at(String name, Duration ago) {
        return at(name, ago, "{}");
    }

    private static Facts.StoredEvent at(String name, Duration ago, String properties) {
        return new Facts.StoredEvent(UUID.randomUUID().toString(), name, NOW.minus(ago), StoredJson.read(properties));
    }
}
