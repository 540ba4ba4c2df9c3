package dev.rapport.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The demo brand is the same for the same seed, plausible, and its help centre is complete in both languages. */
class DemoBrandTest {
    private static final Instant NOW = Instant.parse("2026-11-24T00:00:00Z");

    @Test
    void theSameSeedGivesTheSameCustomersWhateverTheSize() {
        assertEquals(new DemoBrand(42, NOW).customer(17), new DemoBrand(42, NOW).customer(17));
        assertNotEquals(new DemoBrand(42, NOW).customer(17), new DemoBrand(43, NOW).customer(17));
        assertEquals("mealtide-00017", new DemoBrand(42, NOW).customer(17).externalId());
    }

    @Test
    void customersArePlausibleAndTheirHistoriesConsistent() {
        DemoBrand brand = new DemoBrand(42, NOW);
        List<DemoBrand.Customer> customers = IntStream.rangeClosed(1, 2_000).mapToObj(brand::customer).toList();
        Set<String> eventIds = new HashSet<>();
        for (DemoBrand.Customer c : customers) {
            assertEquals("account_created", c.events().get(0).name(), "the profile starts with the sign-up");
            for (int k = 1; k < c.events().size(); k++) {
                assertTrue(!c.events().get(k).time().isBefore(c.events().get(k - 1).time()), "in time order");
            }
            c.events().forEach(e -> {
                assertTrue(eventIds.add(e.id()), "event ids are unique: " + e.id());
                assertTrue(!e.time().isAfter(NOW), "nothing in the future");
            });
            assertTrue(c.events().size() < 1_000, "one batch per customer");
            LocalDate born = LocalDate.parse((String) c.attributes().get("birth_date"));
            assertTrue(born.getYear() >= 1950 && born.getYear() <= 2005);
            assertTrue(DemoBrand.CITIES.contains(c.city()));
            assertEquals(c.platform().equals("web") ? null : c.appVersion(), c.attributes().get("app_version"), "app users' version");
        }
        Map<String, Long> byCity = customers.stream().collect(Collectors.groupingBy(c -> c.city().name(), Collectors.counting()));
        assertEquals(6, byCity.size(), "every city has customers: " + byCity);
        Map<String, Long> byLanguage = customers.stream().collect(Collectors.groupingBy(c -> c.language().substring(0, 2), Collectors.counting()));
        assertEquals(Set.of("en", "ko", "es", "ca"), byLanguage.keySet());
        double emailOptIn = customers.stream().filter(c -> c.consents().get(0).granted()).count() / 2_000.0; // marketing at sign-up
        assertTrue(emailOptIn > 0.65 && emailOptIn < 0.8, "consents differ: " + emailOptIn);
        assertTrue(customers.stream().anyMatch(c -> c.consents().stream().anyMatch(x -> x.method().equals("gpc"))), "some send GPC");
        long buyers = customers.stream().filter(c -> c.events().stream().anyMatch(e -> e.name().equals("order_placed"))).count();
        assertTrue(buyers > 1_000 && buyers < 2_000, "most have ordered, not all: " + buyers);
    }

    @Test
    void theHelpCentreHasTheSameFortyOrMoreArticlesInEnglishAndKorean() throws Exception {
        JsonArray en = articles("en");
        JsonArray ko = articles("ko");
        assertTrue(en.size() >= 40, "articles: " + en.size());
        assertEquals(keys(en), keys(ko));
        for (JsonArray language : List.of(en, ko)) {
            for (Object o : language) {
                JsonObject a = (JsonObject) o;
                assertTrue(Set.of("billing", "delivery", "technical").contains(a.getString("topic")), a.encode());
                assertTrue(a.getJsonArray("exampleQuestions").size() >= 8, a.getString("key"));
            }
        }
    }

    private static JsonArray articles(String language) throws Exception {
        try (InputStream in = DemoBrand.class.getResourceAsStream("help-centre-" + language + ".json")) {
            return new JsonObject(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)).getJsonArray("articles");
        }
    }

    private static Set<String> keys(JsonArray articles) {
        return articles.stream().map(a -> ((JsonObject) a).getString("key")).collect(Collectors.toSet());
    }
}
