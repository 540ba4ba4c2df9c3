package dev.rapport.campaign.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.rapport.campaign.message.VariantChoice.Person;
import dev.rapport.campaign.message.VariantChoice.Variant;

class VariantChoiceTest {
    private static final List<Variant> VARIANTS = List.of(
            new Variant("en", "", "", ""),            // 0: English, everyone
            new Variant("es", "", "", ""),            // 1: Spanish, everyone
            new Variant("es", "ES", "", "Barcelona"), // 2: Spanish, Barcelona
            new Variant("es", "ES", "", ""),          // 3: Spanish, Spain
            new Variant("ko", "", "", ""));           // 4: Korean

    @Test
    void catalanInSpainFallsBackToSpanishThenToTheDefault() {
        Map<String, String> fallbacks = Map.of("ca", "es");
        assertEquals(2, VariantChoice.choose(VARIANTS, fallbacks, "en", new Person("ca-ES", "ES", "CT", "Barcelona")).index());
        assertEquals(3, VariantChoice.choose(VARIANTS, fallbacks, "en", new Person("ca-ES", "ES", "CT", "Girona")).index());
        assertEquals(0, VariantChoice.choose(VARIANTS, Map.of(), "en", new Person("ca-ES", "ES", "CT", "Girona")).index(),
                "without the ca → es fallback, the default");
        assertEquals(List.of("ca-ES", "ca", "es", "en"), VariantChoice.chain("ca-ES", fallbacks, "en"));
    }

    @Test
    void aPersonGetsTheirOwnLanguageAndTheMostPreciseVariantForWhereTheyAre() {
        assertEquals(4, VariantChoice.choose(VARIANTS, Map.of(), "en", new Person("ko-KR", "KR", "", "Seoul")).index());
        assertEquals(1, VariantChoice.choose(VARIANTS, Map.of(), "en", new Person("es-MX", "MX", "", "Monterrey")).index());
        assertEquals(2, VariantChoice.choose(VARIANTS, Map.of(), "en", new Person("es", "ES", "", "barcelona")).index());
    }

    @Test
    void withoutTheirLanguageOrADefaultNoOneIsSentAMessage() {
        var choice = VariantChoice.choose(VARIANTS, Map.of(), "", new Person("de-DE", "DE", "", "Berlin"));
        assertFalse(choice.chosen());
        assertEquals("no variant for de-DE → de and no default", choice.why());
        assertEquals(0, VariantChoice.choose(VARIANTS, Map.of(), "en", new Person("", "", "", "")).index(), "an unknown language gets the default");
    }
}
