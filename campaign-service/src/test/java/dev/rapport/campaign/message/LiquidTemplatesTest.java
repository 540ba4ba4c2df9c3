package dev.rapport.campaign.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Liquid as marketers write it, and the sandbox around it. */
class LiquidTemplatesTest {
    @Test
    void attributesDefaultsAndConditionalsRender() throws Exception {
        String source = """
                Hola {{ profile.first_name | default: "amigo" }}!{% if traits.orders > 2 %} Gracias por volver.{% endif %}""";
        assertEquals("Hola Ada! Gracias por volver.",
                LiquidTemplates.render(LiquidTemplates.parse(source), Map.of("profile", Map.of("first_name", "Ada"), "traits", Map.of("orders", 3))));
        assertEquals("Hola amigo!", LiquidTemplates.render(LiquidTemplates.parse(source), Map.of("profile", Map.of(), "traits", Map.of())));
    }

    @Test
    void aSyntaxErrorIsReportedWithItsLineAndColumn() {
        var problem = LiquidTemplates.check("Hello\nDear {{ profile.first_name | }}\nBye").orElseThrow();
        assertEquals(2, problem.line(), problem.toString());
        var open = LiquidTemplates.check("Hello\n{% if profile.vip %}VIP\n").orElseThrow();
        assertEquals(3, open.line(), "found where the template ends: " + open);
        assertTrue(open.message().contains("ends before a block is closed"), open.toString());
        var unclosed = LiquidTemplates.check("Hi {{ profile.first_name ").orElseThrow();
        assertEquals(1, unclosed.line());
        assertTrue(unclosed.column() >= 1, unclosed.toString());
        assertTrue(LiquidTemplates.check("{{ profile.first_name | default: 'you' }}").isEmpty());
    }

    @Test
    void anIncludeNeverReadsAFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret.liquid");
        Files.writeString(secret, "TOP SECRET");
        String source = "{% include '" + secret + "' %}";
        String rendered;
        try {
            rendered = LiquidTemplates.render(LiquidTemplates.parse(source), Map.of());
        } catch (LiquidTemplates.RenderFailure | RuntimeException refused) {
            rendered = "";
        }
        assertTrue(!rendered.contains("TOP SECRET"), rendered);
    }

    @Test
    void aRunawayLoopOrAHugeOutputIsStopped() {
        assertThrows(LiquidTemplates.RenderFailure.class, () -> LiquidTemplates.render(
                LiquidTemplates.parse("{% for i in (1..100000000) %}x{% endfor %}"), Map.of()));
        assertThrows(LiquidTemplates.RenderFailure.class, () -> LiquidTemplates.render(
                LiquidTemplates.parse("{% for i in (1..9000) %}{{ big }}{% endfor %}"), Map.of("big", "y".repeat(1000))));
    }

    @Test
    void aTemplateParsedOnceRendersEachPersonsOwnValuesAndOneThatRanAwayIsParsedAfresh() throws Exception {
        String source = "Hi {{ profile.first_name }}{% for i in (1..n) %}.{% endfor %}";
        assertEquals("Hi Ada..", LiquidTemplates.render(source, Map.of("profile", Map.of("first_name", "Ada"), "n", 2)));
        assertEquals("Hi Bo.", LiquidTemplates.render(source, Map.of("profile", Map.of("first_name", "Bo"), "n", 1)));
        assertThrows(LiquidTemplates.RenderFailure.class, () -> LiquidTemplates.render(source, Map.of("profile", Map.of(), "n", 100_000_000)));
        assertEquals("Hi Cy", LiquidTemplates.render(source, Map.of("profile", Map.of("first_name", "Cy"), "n", 0)));
    }

    @Test
    void rendersOnManyThreadsAtOnceKeepEachPersonsValues() throws Exception {
        String source = "{{ profile.first_name }}:{% for i in (1..3) %}{{ profile.first_name }}{% endfor %}";
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Future<String>> rendered = new java.util.ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                String name = "p" + i;
                rendered.add(pool.submit(() -> LiquidTemplates.render(source, Map.of("profile", Map.of("first_name", name)))));
            }
            for (int i = 0; i < rendered.size(); i++) {
                String name = "p" + i;
                assertEquals(name + ":" + name + name + name, rendered.get(i).get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
