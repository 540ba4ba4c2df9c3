package dev.rapport.campaign.message;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any text as a marketer's template: refused at save with a line and column, or rendered for a person within the
 * output limit (or a render failure the send records); never another exception, never a hang.
 */
@Tag("fuzz")
class LiquidTemplatesFuzzTest {
    private static final Map<String, Object> PERSON = Map.of(
            "profile", Map.of("first_name", "Núria", "language", "ca-ES", "interests", List.of("vegan", "spicy"), "orders", 12),
            "event", Map.of("item", "<b>bibimbap</b>", "total", 14.5),
            "traits", Map.of("rfm_segment", "champions"));

    @FuzzTest(maxDuration = "15s")
    void anyTemplateIsRefusedWithWhereOrRenderedWithinLimits(FuzzedDataProvider data) {
        String source = data.consumeRemainingAsString();
        var problem = LiquidTemplates.check(source);
        if (problem.isPresent()) {
            assertTrue(problem.get().line() >= 1 && problem.get().column() >= 1, problem.get().toString());
            return;
        }
        try {
            String rendered = LiquidTemplates.render(LiquidTemplates.parse(source), PERSON);
            assertTrue(rendered.length() <= LiquidTemplates.MAX_OUTPUT_CHARS, "output of " + rendered.length());
        } catch (LiquidTemplates.RenderFailure failure) {
            assertTrue(failure.getMessage() != null && !failure.getMessage().isEmpty());
        }
    }
}
