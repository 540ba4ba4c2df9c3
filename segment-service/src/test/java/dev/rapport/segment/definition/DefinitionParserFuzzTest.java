package dev.rapport.segment.definition;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.segment.ProfileSchemaStandIn;
import dev.rapport.segment.projection.StoredJson;

/**
 * Any JSON as a segment definition: a condition tree, or problems that each point at a node of the definition; never
 * an exception, never a hang.
 */
@Tag("fuzz")
class DefinitionParserFuzzTest {
    private static final DefinitionParser.Context CONTEXT = ProfileSchemaStandIn.definitions(Map.of());

    @FuzzTest(maxDuration = "15s")
    void anyDefinitionIsATreeOrProblemsAtItsNodes(FuzzedDataProvider data) {
        JsonNode definition;
        try {
            definition = StoredJson.read(data.consumeRemainingAsString());
        } catch (RuntimeException notJson) {
            return; // the REST layer refuses what is not JSON before a definition is read
        }
        if (definition == null) {
            return;
        }
        DefinitionParser.Result result = DefinitionParser.parse(definition, null, CONTEXT);
        if (result.valid()) {
            assertNotNull(result.condition());
        } else {
            assertNull(result.condition());
            result.problems().forEach(problem -> assertTrue(problem.field().startsWith("definition"), problem.field()));
        }
    }
}
