package dev.rapport.segment.definition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.segment.ProfileSchemaStandIn;
import dev.rapport.segment.projection.StoredJson;

/** Bad definitions are refused with an error at the node that is wrong; good ones of every kind read. */
class DefinitionParserTest {
    private final Map<UUID, JsonNode> saved = new HashMap<>();

    @Test
    void everyKindOfConditionReads() {
        DefinitionParser.Result result = parse("""
                {"kind": "and", "of": [
                  {"kind": "event", "event": "order_placed", "where": [{"property": "total", "operator": "gte", "value": 20}],
                   "count": {"at_least": 2}, "window": {"last": "P30D"}},
                  {"kind": "not", "condition": {"kind": "event", "event": "purchase", "count": {"at_most": 0}}},
                  {"kind": "last_event", "operator": "within_last", "value": "P14D"},
                  {"kind": "sequence", "first": {"event": "cart_added"}, "then": {"event": "purchase"}, "within": "PT2H", "then_happened": false},
                  {"kind": "attribute", "attribute": "country", "operator": "in", "value": ["ES", "KR"]},
                  {"kind": "near", "latitude": 41.39, "longitude": 2.17, "radius_km": 10},
                  {"kind": "attribute", "attribute": "age", "operator": "between", "value": [18, 34]},
                  {"kind": "attribute", "attribute": "app_version", "operator": "version_gte", "value": "2.10"},
                  {"kind": "attribute", "attribute": "interests", "operator": "contains_any", "value": ["vegan", "halal"]},
                  {"kind": "purchases", "measure": "average", "currency": "EUR", "operator": "gt", "value": 25.5},
                  {"kind": "consent", "purpose": "marketing.communications", "channel": "email", "state": "granted"}
                ]}""");
        assertTrue(result.valid(), () -> result.problems().toString());
        Condition.All all = assertInstanceOf(Condition.All.class, result.condition());
        assertEquals(11, all.of().size());
        assertEquals("definition.of[6]", all.of().get(6).field());
    }

    @Test
    void anUnknownFieldIsNamedWhereItIs() {
        assertProblems("""
                {"kind": "and", "of": [{"kind": "event", "event": "x", "windoww": {"last": "P1D"}}]}""",
                "definition.of[0].windoww");
    }

    @Test
    void anUnknownAttributeOrKindIsNamed() {
        assertProblems("""
                {"kind": "or", "of": [{"kind": "attribute", "attribute": "shoe_size", "operator": "eq", "value": 42},
                                      {"kind": "magic"}]}""",
                "definition.of[0].attribute", "definition.of[1].kind");
    }

    @Test
    void anOperatorMustFitTheType() {
        assertProblems("""
                {"kind": "and", "of": [
                  {"kind": "attribute", "attribute": "country", "operator": "gt", "value": "ES"},
                  {"kind": "attribute", "attribute": "loyalty_points", "operator": "gte", "value": "lots"},
                  {"kind": "attribute", "attribute": "vip", "operator": "eq", "value": 1},
                  {"kind": "attribute", "attribute": "location", "operator": "exists"},
                  {"kind": "event", "event": "x", "where": [{"property": "total", "operator": "gte", "value": "20"}]}
                ]}""",
                "definition.of[0].operator", "definition.of[1].value", "definition.of[2].value", "definition.of[3].attribute",
                "definition.of[4].where[0].value");
    }

    @Test
    void absurdWindowsAndCountsAreRefused() {
        assertProblems("""
                {"kind": "and", "of": [
                  {"kind": "event", "event": "x", "window": {"last": "P99999D"}},
                  {"kind": "event", "event": "x", "window": {"last": "-P1D"}},
                  {"kind": "event", "event": "x", "window": {"from": "2026-05-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"}},
                  {"kind": "event", "event": "x", "window": {"from": "99999-01-01T00:00:00Z"}},
                  {"kind": "event", "event": "x", "count": {"at_least": 0}},
                  {"kind": "event", "event": "x", "count": {"at_least": 2.5}},
                  {"kind": "attribute", "attribute": "age", "operator": "gt", "value": 400},
                  {"kind": "attribute", "attribute": "age", "operator": "gt", "value": 4294967314},
                  {"kind": "event", "event": "x", "count": {"at_most": 1.8446744073709552E19}},
                  {"kind": "event", "event": "x", "window": {"last": "PT0.0000001S"}},
                  {"kind": "attribute", "attribute": "city", "operator": "eq", "value": "a\\u0000b"},
                  {"kind": "event", "event": 5}
                ]}""",
                "definition.of[0].window.last", "definition.of[1].window.last", "definition.of[2].window.to",
                "definition.of[3].window.from", "definition.of[4].count.at_least", "definition.of[5].count.at_least",
                "definition.of[6].value", "definition.of[7].value", "definition.of[8].count.at_most", "definition.of[9].window.last",
                "definition.of[10].value", "definition.of[11].event");
    }

    @Test
    void referencesMustExistAndNeverLoop() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        saved.put(b, read("{\"kind\": \"segment\", \"segment_id\": \"" + a + "\"}"));
        // Saving a so that it refers to b, which refers to a: a cycle.
        DefinitionParser.Result cycle = DefinitionParser.parse(read("""
                {"kind": "and", "of": [{"kind": "attribute", "attribute": "vip", "operator": "eq", "value": true},
                                       {"kind": "segment", "segment_id": "%s"}]}""".formatted(b)), a, context());
        assertEquals(List.of("definition.of[1].segment_id"), cycle.problems().stream().map(Violation::field).toList());
        assertTrue(cycle.problems().get(0).description().contains("cycle"), cycle.problems().toString());

        assertProblems("{\"kind\": \"segment\", \"segment_id\": \"" + UUID.randomUUID() + "\"}", "definition.segment_id");
    }

    @Test
    void tooDeepOrTooLargeDefinitionsAreRefused() {
        String deep = "{\"kind\": \"attribute\", \"attribute\": \"vip\", \"operator\": \"eq\", \"value\": true}";
        for (int i = 0; i < 40; i++) {
            deep = "{\"kind\": \"not\", \"condition\": " + deep + "}";
        }
        DefinitionParser.Result result = parse(deep);
        assertTrue(!result.valid() && result.problems().get(0).description().contains("deep"), result.problems().toString());
    }

    @Test
    void aPurposeMustBeAKnownDataUse() {
        assertTrue(DefinitionParser.purposeProblem("marketing.communications").isEmpty());
        assertEquals("purpose", DefinitionParser.purposeProblem("world_domination").orElseThrow().field());
        assertEquals("purpose", DefinitionParser.purposeProblem("").orElseThrow().field());
    }

    private void assertProblems(String json, String... fields) {
        DefinitionParser.Result result = parse(json);
        assertEquals(List.of(fields), result.problems().stream().map(Violation::field).toList(), result.problems().toString());
    }

    private DefinitionParser.Result parse(String json) {
        return DefinitionParser.parse(read(json), null, context());
    }

    private static JsonNode read(String json) {
        return StoredJson.read(json);
    }

    private DefinitionParser.Context context() {
        return ProfileSchemaStandIn.definitions(saved);
    }
}
