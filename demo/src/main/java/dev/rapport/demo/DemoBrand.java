package dev.rapport.demo;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Mealtide, the demo brand: a food-delivery app in six cities of four countries. Generates its customers — attributes,
 * consents and months of events — deterministically from a seed, so the demo, the tests and the benchmarks see the
 * same people at any size (customer {@code i} is the same whatever the size).
 */
public final class DemoBrand {
    /** Where Mealtide delivers: the city, its jurisdiction and time zone, its languages (weighted) and currency. */
    public record City(String name, String country, String region, String jurisdiction, String timeZone, double latitude,
            double longitude, Map<String, Double> languages, String currency, double typicalOrder) {
    }

    public static final List<City> CITIES = List.of(
            new City("Seoul", "KR", "Seoul", "KR", "Asia/Seoul", 37.5665, 126.9780, Map.of("ko", 0.9, "en", 0.1), "KRW", 24_000),
            new City("Busan", "KR", "Busan", "KR", "Asia/Seoul", 35.1796, 129.0756, Map.of("ko", 1.0), "KRW", 21_000),
            new City("Barcelona", "ES", "Catalonia", "ES", "Europe/Madrid", 41.3874, 2.1686, Map.of("ca", 0.45, "es", 0.45, "en", 0.1), "EUR", 22),
            new City("Madrid", "ES", "Community of Madrid", "ES", "Europe/Madrid", 40.4168, -3.7038, Map.of("es", 0.9, "en", 0.1), "EUR", 21),
            new City("London", "GB", "England", "GB", "Europe/London", 51.5074, -0.1278, Map.of("en", 1.0), "GBP", 19),
            new City("San Francisco", "US", "California", "US-CA", "America/Los_Angeles", 37.7749, -122.4194, Map.of("en", 0.8, "es", 0.2),
                    "USD", 28));

    /** A generated event: its stable id, name, time and properties. */
    public record Event(String id, String name, Instant time, Map<String, Object> properties) {
    }

    /** A consent decision to record (purpose, channel or data category, granted). */
    public record Consent(String purpose, String channel, String dataCategory, boolean granted, String method) {
    }

    public record Customer(int index, String externalId, Map<String, Object> attributes, City city, String platform,
            String device, String appVersion, List<Consent> consents, List<Event> events) {
        public String language() {
            return (String) attributes.get("language");
        }
    }

    /** The custom attributes the demo declares (name, type, data category). */
    public static final List<String[]> CUSTOM_ATTRIBUTES = List.<String[]>of(
            new String[] { "plan", "STRING", "user.account" },
            new String[] { "dietary_needs", "LIST", "user.health_and_medical" },
            new String[] { "favourite_cuisine", "STRING", "user.demographic.profile" },
            new String[] { "app_version", "STRING", "user.device" });

    private static final List<String> PLANS = List.of("free", "free", "free", "plus", "plus", "premium");
    private static final List<String> DIETS = List.of("vegetarian", "vegan", "halal", "gluten_free", "nut_allergy", "lactose_free");
    private static final Map<String, List<String>> CUISINES = Map.of(
            "KR", List.of("korean", "chicken", "bunsik", "japanese", "chinese", "pizza"),
            "ES", List.of("tapas", "pizza", "sushi", "burgers", "mediterranean", "poke"),
            "GB", List.of("indian", "pizza", "burgers", "thai", "sushi", "fish_and_chips"),
            "US", List.of("mexican", "burgers", "sushi", "pizza", "thai", "salads"));
    private static final Map<String, String[][]> NAMES = Map.of(
            "ko", new String[][] { { "민준", "서연", "지호", "하은", "도윤", "지우", "서준", "수아", "예준", "지민", "현우", "유진" },
                    { "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임" } },
            "es", new String[][] { { "Lucía", "Hugo", "Martina", "Mateo", "Sofía", "Leo", "Paula", "Daniel", "Valeria", "Pablo" },
                    { "García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Ruiz", "Díaz", "Moreno" } },
            "ca", new String[][] { { "Martí", "Júlia", "Pol", "Laia", "Jan", "Núria", "Arnau", "Ona", "Biel", "Mireia" },
                    { "Puig", "Vila", "Serra", "Soler", "Ferrer", "Roca", "Pujol", "Font", "Bosch", "Casals" } },
            "en", new String[][] { { "Olivia", "Noah", "Amelia", "George", "Isla", "Leo", "Ava", "Arthur", "Mia", "Oscar", "Ethan", "Grace" },
                    { "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright" } });
    private static final Map<String, String> PLATFORM_DEVICES = Map.of(
            "ios", "iPhone 15,iPhone 14,iPhone 13,iPhone SE", "android", "Galaxy S24,Galaxy A54,Pixel 8,Xiaomi 13", "web", "Chrome,Safari,Firefox");

    private final long seed;
    private final Instant now;

    /** @param now the end of the generated history (events go back about six months from it) */
    public DemoBrand(long seed, Instant now) {
        this.seed = seed;
        this.now = now;
    }

    /** The demo's external user id of customer {@code i} (1-based). */
    public static String externalId(int i) {
        return String.format(Locale.ROOT, "mealtide-%05d", i);
    }

    /** Customer {@code i} (1-based): the same for the same seed, whatever else is generated. */
    public Customer customer(int i) {
        // SplittableRandom mixes its seed: neighbouring customers are not alike (java.util.Random's first draws would be)
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        City city = weighted(random, CITIES, List.of(0.3, 0.12, 0.16, 0.14, 0.16, 0.12));
        String language = weighted(random, List.copyOf(city.languages().keySet().stream().sorted().toList()),
                city.languages().entrySet().stream().sorted(Map.Entry.comparingByKey()).map(Map.Entry::getValue).toList());
        String[][] names = NAMES.get(language);
        String first = pick(random, names[0]);
        String last = pick(random, names[1]);
        String platform = weighted(random, List.of("ios", "android", "web"), List.of(0.45, 0.4, 0.15));
        String device = pick(random, PLATFORM_DEVICES.get(platform).split(","));
        String appVersion = platform.equals("web") ? "web" : "5." + (3 + random.nextInt(4)) + "." + random.nextInt(3);

        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("first_name", first);
        attributes.put("last_name", last);
        attributes.put("email", externalId(i) + "@example.com");
        attributes.put("language", language + "-" + city.country());
        attributes.put("time_zone", city.timeZone());
        attributes.put("country", city.country());
        attributes.put("region", city.region());
        attributes.put("city", city.name());
        attributes.put("location", Map.of("latitude", round(city.latitude() + (random.nextDouble() - 0.5) * 0.12),
                "longitude", round(city.longitude() + (random.nextDouble() - 0.5) * 0.12), "accuracy_m", 50 + random.nextInt(400)));
        attributes.put("gender", weighted(random, List.of("female", "male", "non_binary"), List.of(0.49, 0.48, 0.03)));
        attributes.put("birth_date", LocalDate.of(1950 + random.nextInt(56), 1 + random.nextInt(12), 1 + random.nextInt(28)).toString());
        attributes.put("platform", platform);
        attributes.put("device", device);
        if (!platform.equals("web")) {
            attributes.put("app_version", appVersion); // drawn above: adding it changed no one's other values
        }
        attributes.put("plan", pick(random, PLANS.toArray(String[]::new)));
        List<String> diet = new ArrayList<>();
        for (String need : DIETS) {
            if (random.nextDouble() < 0.08) {
                diet.add(need);
            }
        }
        attributes.put("dietary_needs", diet);
        attributes.put("favourite_cuisine", pick(random, CUISINES.get(city.country()).toArray(String[]::new)));

        List<Consent> consents = new ArrayList<>();
        // at sign-up most agree to marketing and to personalised recommendations; some then turned emails or push off;
        // some allowed precise location; Californians may send GPC (an opt-out of sale and sharing)
        boolean marketing = random.nextDouble() < 0.72;
        consents.add(new Consent("marketing.communications", "", "", marketing, "form"));
        consents.add(new Consent("marketing.communications", "email", "", marketing && random.nextDouble() < 0.9, "form"));
        consents.add(new Consent("marketing.communications", "push", "", marketing && random.nextDouble() < 0.7, "form"));
        consents.add(new Consent("personalize", "", "", random.nextDouble() < 0.8, "form"));
        if (random.nextDouble() < 0.6) {
            consents.add(new Consent("", "", "user.location.precise", true, "form")); // its own consent, for any purpose
        }
        if (city.jurisdiction().equals("US-CA") && random.nextDouble() < 0.25) {
            consents.add(new Consent("marketing.advertising.third_party", "", "", false, "gpc"));
        }
        return new Customer(i, externalId(i), attributes, city, platform, device, appVersion, consents,
                events(random, i, city, attributes));
    }

    /** About six months of history: sessions, orders, abandoned carts, failed payments, opens and clicks. */
    private List<Event> events(SplittableRandom random, int i, City city, Map<String, Object> attributes) {
        List<Event> events = new ArrayList<>();
        // how active and how valuable: a few loyal, many occasional, some lapsed (for RFM)
        double activity = Math.pow(random.nextDouble(), 2.2);
        int orders = (int) Math.round(activity * 40);
        boolean lapsed = random.nextDouble() < 0.2;
        long span = Duration.ofDays(lapsed ? 180 : 150).toSeconds();
        Instant end = lapsed ? now.minus(Duration.ofDays(60 + random.nextInt(90))) : now;
        // the hours this person orders at (their best hour to reach them), in their own time zone
        int favouriteHour = weighted(random, List.of(12, 13, 19, 20, 21), List.of(0.2, 0.15, 0.25, 0.25, 0.15));
        java.time.ZoneId zone = java.time.ZoneId.of(city.timeZone());
        int n = 0;
        // everyone signed up at some point before the history shown (a profile exists from its first event)
        events.add(event(i, ++n, "account_created", end.minusSeconds(span + 86_400L * random.nextInt(400)),
                Map.of("platform", platform(attributes))));
        for (int o = 0; o < orders; o++) {
            Instant day = end.minusSeconds((long) (random.nextDouble() * span));
            Instant at = day.atZone(zone).withHour(random.nextDouble() < 0.7 ? favouriteHour : 10 + random.nextInt(13))
                    .withMinute(random.nextInt(60)).toInstant();
            if (at.isAfter(now)) {
                at = now.minusSeconds(60);
            }
            String order = externalId(i) + "-o" + o;
            events.add(event(i, ++n, "app_opened", at.minusSeconds(600), Map.of()));
            double amount = round2(city.typicalOrder() * (0.6 + random.nextDouble() * 0.9));
            if (city.currency().equals("KRW")) {
                amount = Math.round(amount / 100) * 100;
            }
            if (random.nextDouble() < 0.06) {
                events.add(event(i, ++n, "payment_failed", at.minusSeconds(120), Map.of("order_id", order, "amount", amount,
                        "currency", city.currency(), "reason", pick(random, new String[] { "card_declined", "insufficient_funds", "expired_card" }))));
            }
            events.add(event(i, ++n, "order_placed", at, Map.of("order_id", order, "total", amount, "currency", city.currency(),
                    "cuisine", attributes.get("favourite_cuisine"), "items", 1 + random.nextInt(5))));
        }
        int carts = (int) Math.round(random.nextDouble() * 4 + activity * 3);
        for (int c = 0; c < carts; c++) {
            Instant at = end.minusSeconds((long) (random.nextDouble() * span));
            events.add(event(i, ++n, "cart_abandoned", at, Map.of("cart_value", round2(city.typicalOrder() * (0.5 + random.nextDouble())),
                    "currency", city.currency())));
        }
        int emails = 4 + random.nextInt(8);
        for (int e = 0; e < emails; e++) {
            Instant at = now.minus(Duration.ofDays(7L * e + 1 + random.nextInt(7)));
            if (random.nextDouble() < 0.45) {
                events.add(event(i, ++n, "email_opened", at, Map.of("campaign", "weekly-" + e)));
                if (random.nextDouble() < 0.3) {
                    events.add(event(i, ++n, "email_clicked", at.plusSeconds(30), Map.of("campaign", "weekly-" + e)));
                }
            }
        }
        events.sort(java.util.Comparator.comparing(Event::time));
        return events;
    }

    private static String platform(Map<String, Object> attributes) {
        return (String) attributes.get("platform");
    }

    private static Event event(int customer, int n, String name, Instant time, Map<String, Object> properties) {
        return new Event(externalId(customer) + "-e" + n, name, time, properties);
    }

    private static <T> T weighted(SplittableRandom random, List<T> values, List<Double> weights) {
        double total = weights.stream().mapToDouble(Double::doubleValue).sum();
        double r = random.nextDouble() * total;
        for (int k = 0; k < values.size(); k++) {
            r -= weights.get(k);
            if (r < 0) {
                return values.get(k);
            }
        }
        return values.get(values.size() - 1);
    }

    private static String pick(SplittableRandom random, String[] values) {
        return values[random.nextInt(values.length)];
    }

    private static double round(double coordinate) {
        return Math.round(coordinate * 10_000) / 10_000.0;
    }

    private static double round2(double amount) {
        return Math.round(amount * 100) / 100.0;
    }
}
