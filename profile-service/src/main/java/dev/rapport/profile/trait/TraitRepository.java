package dev.rapport.profile.trait;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Value;

import dev.rapport.profile.config.TraitConfig;
import dev.rapport.runtime.PurchaseConvention;
import dev.rapport.profile.profile.Json;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.EventCount;
import dev.rapport.proto.profile.v1.GeoPoint;
import dev.rapport.proto.profile.v1.PurchaseSummary;
import dev.rapport.proto.profile.v1.SupportSummary;
import dev.rapport.proto.profile.v1.Traits;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Computed traits, kept current in the same transaction that stores the events (so each stored event is counted
 * exactly once): activity, counts per event name and day, purchases per currency, engagement by local hour of week.
 * Every trait is additive, which makes a merge a sum.
 */
@ApplicationScoped
public class TraitRepository {
    /** The tables holding traits, by profile_id (erasure and its check go through each). */
    public static final List<String> TABLES = List.of("activity", "event_day", "purchase", "engagement_hour");

    /** How activity adds up: earliest first seen, latest last seen, counts summed, the newer location and locale. */
    private static final String ADD_ACTIVITY = """
            ON CONFLICT (profile_id) DO UPDATE SET
              first_seen = least(activity.first_seen, EXCLUDED.first_seen),
              last_seen = greatest(activity.last_seen, EXCLUDED.last_seen),
              event_count = activity.event_count + EXCLUDED.event_count,
              location = CASE WHEN EXCLUDED.location_time > activity.location_time OR activity.location_time IS NULL
                              THEN coalesce(EXCLUDED.location, activity.location) ELSE activity.location END,
              location_time = greatest(activity.location_time, EXCLUDED.location_time),
              locale = CASE WHEN EXCLUDED.locale_time > activity.locale_time OR activity.locale_time IS NULL
                            THEN coalesce(EXCLUDED.locale, activity.locale) ELSE activity.locale END,
              locale_time = greatest(activity.locale_time, EXCLUDED.locale_time)""";
    private static final String ADD_PURCHASES = """
            ON CONFLICT (profile_id, currency) DO UPDATE SET
              count = purchase.count + EXCLUDED.count, total = purchase.total + EXCLUDED.total,
              first_time = least(purchase.first_time, EXCLUDED.first_time),
              last_time = greatest(purchase.last_time, EXCLUDED.last_time)""";
    private final TraitConfig config;
    private final PurchaseConvention convention;
    private final Set<String> purchases;
    private final Set<String> engagements;

    TraitRepository(TraitConfig config, PurchaseConvention convention) {
        this.config = config;
        this.convention = convention;
        this.purchases = Set.copyOf(convention.events());
        this.engagements = Set.copyOf(config.engagementEvents());
    }

    private static final class Activity {
        Instant first = Instant.MAX;
        Instant last = Instant.MIN;
        long count;
        Instant locationTime;
        String location;
        Instant localeTime;
        String locale;
    }

    private record DayKey(UUID profile, String name, LocalDate day) {
    }

    private record PurchaseKey(UUID profile, String currency) {
    }

    private static final class Purchases {
        long count;
        BigDecimal total = BigDecimal.ZERO;
        Instant first = Instant.MAX;
        Instant last = Instant.MIN;
    }

    /** Adds newly stored events to their profiles' traits. */
    public Uni<Void> add(SqlClient tx, List<Event> stored) {
        if (stored.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Map<UUID, Activity> activity = new TreeMap<>();
        Map<DayKey, Long> days = new TreeMap<>(java.util.Comparator.comparing(DayKey::profile).thenComparing(DayKey::name).thenComparing(DayKey::day));
        Map<PurchaseKey, Purchases> bought = new TreeMap<>(java.util.Comparator.comparing(PurchaseKey::profile).thenComparing(PurchaseKey::currency));
        List<Engagement> engaged = new ArrayList<>();
        for (Event event : stored) {
            UUID profile = UUID.fromString(event.getProfileId());
            Instant at = Envelopes.instant(event.getOccurTime());
            Activity a = activity.computeIfAbsent(profile, p -> new Activity());
            a.first = at.isBefore(a.first) ? at : a.first;
            a.last = at.isAfter(a.last) ? at : a.last;
            a.count++;
            if (event.getContext().hasLocation() && (a.locationTime == null || at.isAfter(a.locationTime))) {
                a.locationTime = at;
                a.location = Json.print(event.getContext().getLocation().toBuilder().clearTime().build());
            }
            if (!event.getContext().getLocale().isEmpty() && (a.localeTime == null || at.isAfter(a.localeTime))) {
                a.localeTime = at;
                a.locale = event.getContext().getLocale();
            }
            days.merge(new DayKey(profile, event.getName(), LocalDate.ofInstant(at, ZoneOffset.UTC)), 1L, Long::sum);
            if (purchases.contains(event.getName())) {
                purchase(event).ifPresent(amount -> {
                    Purchases p = bought.computeIfAbsent(new PurchaseKey(profile, currency(event)), k -> new Purchases());
                    p.count++;
                    p.total = p.total.add(amount);
                    p.first = at.isBefore(p.first) ? at : p.first;
                    p.last = at.isAfter(p.last) ? at : p.last;
                });
            }
            if (engagements.contains(event.getName())) {
                engaged.add(new Engagement(profile, at));
            }
        }
        List<Uni<Void>> writes = new ArrayList<>();
        writes.add(tx.preparedQuery("""
                INSERT INTO activity (profile_id, first_seen, last_seen, event_count, location, location_time, locale, locale_time)
                SELECT p, f, l, c, loc::jsonb, lt, lc, lct
                FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::bigint[], $5::text[], $6::timestamptz[], $7::text[], $8::timestamptz[])
                  AS a (p, f, l, c, loc, lt, lc, lct)
                """ + ADD_ACTIVITY)
                .execute(Tuple.from(List.of(
                        activity.keySet().toArray(UUID[]::new),
                        activity.values().stream().map(a -> utc(a.first)).toArray(OffsetDateTime[]::new),
                        activity.values().stream().map(a -> utc(a.last)).toArray(OffsetDateTime[]::new),
                        activity.values().stream().map(a -> a.count).toArray(Long[]::new),
                        activity.values().stream().map(a -> a.location).toArray(String[]::new),
                        activity.values().stream().map(a -> utc(a.locationTime)).toArray(OffsetDateTime[]::new),
                        activity.values().stream().map(a -> a.locale).toArray(String[]::new),
                        activity.values().stream().map(a -> utc(a.localeTime)).toArray(OffsetDateTime[]::new)))).replaceWithVoid());
        writes.add(tx.preparedQuery("""
                INSERT INTO event_day (profile_id, name, day, count)
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::date[], $4::bigint[])
                ON CONFLICT (profile_id, name, day) DO UPDATE SET count = event_day.count + EXCLUDED.count""")
                .execute(Tuple.of(
                        days.keySet().stream().map(DayKey::profile).toArray(UUID[]::new),
                        days.keySet().stream().map(DayKey::name).toArray(String[]::new),
                        days.keySet().stream().map(DayKey::day).toArray(LocalDate[]::new),
                        days.values().toArray(Long[]::new))).replaceWithVoid());
        if (!bought.isEmpty()) {
            writes.add(tx.preparedQuery("""
                    INSERT INTO purchase (profile_id, currency, count, total, first_time, last_time)
                    SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::numeric[], $5::timestamptz[], $6::timestamptz[])
                """ + ADD_PURCHASES)
                    .execute(Tuple.of(
                            bought.keySet().stream().map(PurchaseKey::profile).toArray(UUID[]::new),
                            bought.keySet().stream().map(PurchaseKey::currency).toArray(String[]::new),
                            bought.values().stream().map(p -> p.count).toArray(Long[]::new),
                            bought.values().stream().map(p -> p.total).toArray(BigDecimal[]::new),
                            bought.values().stream().map(p -> utc(p.first)).toArray(OffsetDateTime[]::new),
                            bought.values().stream().map(p -> utc(p.last)).toArray(OffsetDateTime[]::new))).replaceWithVoid());
        }
        if (!engaged.isEmpty()) {
            writes.add(addEngagement(tx, engaged));
        }
        return Uni.join().all(writes).andFailFast().replaceWithVoid();
    }

    /** A moment a person engaged (a session, an open, a click). */
    public record Engagement(UUID profile, Instant at) {
    }

    /** Engagement counted by hour of the week in each person's time zone (UTC when they have none). */
    public Uni<Void> addEngagement(SqlClient tx, List<Engagement> engaged) {
        UUID[] profiles = engaged.stream().map(Engagement::profile).distinct().toArray(UUID[]::new);
        return timeZones(tx, profiles).flatMap(zones -> {
            Map<UUID, long[]> hours = new TreeMap<>();
            for (Engagement engagement : engaged) {
                hours.computeIfAbsent(engagement.profile(), p -> new long[168])[hourOfWeek(engagement.at(), zones.getOrDefault(engagement.profile(), ZoneOffset.UTC))]++;
            }
            return writeEngagement(tx, hours, false);
        });
    }

    /** Counts the profile's engagement again from its events: its time zone changed. */
    public Uni<Void> recomputeEngagement(SqlClient tx, UUID profile) {
        return timeZones(tx, new UUID[] { profile }).flatMap(zones -> tx.preparedQuery(
                """
                SELECT occur_time FROM event WHERE name = ANY($2) AND profile_id IN (SELECT $1 UNION ALL
                  SELECT merged_profile_id FROM profile_merge WHERE surviving_profile_id = $1 AND NOT events_moved)
                UNION ALL SELECT entry_time FROM timeline_entry
                WHERE profile_id = $1 AND kind = 'delivery' AND summary ->> 'status' IN ('OPENED', 'CLICKED')""")
                .execute(Tuple.of(profile, engagements.toArray(String[]::new)))
                .flatMap(rows -> {
                    long[] counts = new long[168];
                    ZoneId zone = zones.getOrDefault(profile, ZoneOffset.UTC);
                    rows.forEach(row -> counts[hourOfWeek(row.getOffsetDateTime("occur_time").toInstant(), zone)]++);
                    return tx.preparedQuery("DELETE FROM engagement_hour WHERE profile_id = $1").execute(Tuple.of(profile))
                            .flatMap(x -> writeEngagement(tx, Map.of(profile, counts), true));
                }));
    }

    private Uni<Void> writeEngagement(SqlClient tx, Map<UUID, long[]> hours, boolean replace) {
        List<UUID> profiles = new ArrayList<>();
        List<Short> slots = new ArrayList<>();
        List<Long> counts = new ArrayList<>();
        hours.forEach((profile, byHour) -> {
            for (short h = 0; h < 168; h++) {
                if (byHour[h] > 0) {
                    profiles.add(profile);
                    slots.add(h);
                    counts.add(byHour[h]);
                }
            }
        });
        if (profiles.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return tx.preparedQuery("""
                INSERT INTO engagement_hour (profile_id, hour_of_week, count)
                SELECT * FROM unnest($1::uuid[], $2::smallint[], $3::bigint[])
                ON CONFLICT (profile_id, hour_of_week) DO UPDATE SET count = engagement_hour.count + EXCLUDED.count""")
                .execute(Tuple.of(profiles.toArray(UUID[]::new), slots.toArray(Short[]::new), counts.toArray(Long[]::new)))
                .replaceWithVoid();
    }

    private Uni<Map<UUID, ZoneId>> timeZones(SqlClient tx, UUID[] profiles) {
        return tx.preparedQuery("SELECT profile_id, value #>> '{}' AS zone FROM attribute_value WHERE name = 'time_zone' AND profile_id = ANY($1)")
                .execute(Tuple.of(profiles))
                .map(rows -> {
                    Map<UUID, ZoneId> zones = new HashMap<>();
                    for (Row row : rows) {
                        try {
                            zones.put(row.getUUID("profile_id"), ZoneId.of(row.getString("zone")));
                        } catch (java.time.DateTimeException e) {
                            // validated when set; a zone this JVM's tz data lacks counts as UTC
                        }
                    }
                    return zones;
                });
    }

    static int hourOfWeek(Instant at, ZoneId zone) {
        ZonedDateTime local = at.atZone(zone);
        return (local.getDayOfWeek().getValue() - 1) * 24 + local.getHour();
    }

    /** Adds the merged profile's traits to the survivor's and removes them from the merged one. */
    public Uni<Void> moveInto(SqlClient tx, UUID merged, UUID survivor) {
        return tx.preparedQuery("""
                WITH moved AS (DELETE FROM activity WHERE profile_id = $1 RETURNING *)
                INSERT INTO activity SELECT $2, first_seen, last_seen, event_count, location, location_time, locale, locale_time FROM moved
                """ + ADD_ACTIVITY).execute(Tuple.of(merged, survivor))
                .flatMap(x -> tx.preparedQuery("""
                        WITH moved AS (DELETE FROM event_day WHERE profile_id = $1 RETURNING *)
                        INSERT INTO event_day SELECT $2, name, day, count FROM moved
                        ON CONFLICT (profile_id, name, day) DO UPDATE SET count = event_day.count + EXCLUDED.count""").execute(Tuple.of(merged, survivor)))
                .flatMap(x -> tx.preparedQuery("""
                        WITH moved AS (DELETE FROM purchase WHERE profile_id = $1 RETURNING *)
                        INSERT INTO purchase SELECT $2, currency, count, total, first_time, last_time FROM moved
                """ + ADD_PURCHASES).execute(Tuple.of(merged, survivor)))
                .flatMap(x -> tx.preparedQuery("""
                        WITH moved AS (DELETE FROM engagement_hour WHERE profile_id = $1 RETURNING *)
                        INSERT INTO engagement_hour SELECT $2, hour_of_week, count FROM moved
                        ON CONFLICT (profile_id, hour_of_week) DO UPDATE SET count = engagement_hour.count + EXCLUDED.count""").execute(Tuple.of(merged, survivor)))
                .replaceWithVoid();
    }

    /** Removes every trait of these profiles; answers how many rows went. */
    public Uni<Long> erase(SqlClient tx, UUID[] profiles) {
        Uni<Long> erased = Uni.createFrom().item(0L);
        for (String table : TABLES) {
            erased = erased.flatMap(sum -> tx.preparedQuery("DELETE FROM " + table + " WHERE profile_id = ANY($1)").execute(Tuple.of(profiles))
                    .map(rows -> sum + rows.rowCount()));
        }
        return erased;
    }

    /**
     * The trait columns of a profile query: {@code p.id} names the profile. Windows end with the current UTC day.
     * Attribute-derived traits (age, preferred language) are completed by {@link #complete}.
     */
    public static final String COLUMNS = """
              (SELECT row_to_json(a)::text FROM activity a WHERE a.profile_id = p.id) AS activity,
              (SELECT json_agg(json_build_array(name, d1, d7, d30, d90, total) ORDER BY name)::text FROM (
                 SELECT name,
                   coalesce(sum(count) FILTER (WHERE day > today - 1), 0) AS d1,
                   coalesce(sum(count) FILTER (WHERE day > today - 7), 0) AS d7,
                   coalesce(sum(count) FILTER (WHERE day > today - 30), 0) AS d30,
                   coalesce(sum(count) FILTER (WHERE day > today - 90), 0) AS d90,
                   sum(count) AS total
                 FROM event_day, (SELECT (now() AT TIME ZONE 'UTC')::date AS today) t WHERE profile_id = p.id GROUP BY name) c) AS counts,
              (SELECT json_agg(json_build_array(currency, count, total::text, first_time, last_time) ORDER BY currency)::text
                 FROM purchase WHERE profile_id = p.id) AS purchases,
              (SELECT json_agg(json_build_array(hour_of_week, count))::text FROM engagement_hour WHERE profile_id = p.id) AS hours,
              (SELECT json_build_array(count(*), count(*) FILTER (WHERE bad_experience),
                   (array_agg(json_build_array(conversation_id, event_time, outcome, satisfaction) ORDER BY event_time DESC))[1])::text
                 FROM support_conversation WHERE profile_id = p.id) AS support
            """;

    /** Age and preferred language come from the attributes when they are set. */
    public static Traits complete(Traits.Builder traits, java.util.Map<String, Value> attributes, LocalDate today) {
        Value language = attributes.get("language");
        if (language != null && language.hasStringValue()) {
            traits.setPreferredLanguage(language.getStringValue());
        }
        Value born = attributes.get("birth_date");
        if (born != null && born.hasStringValue()) {
            traits.setAge(java.time.Period.between(LocalDate.parse(born.getStringValue()), today).getYears());
        }
        Value location = attributes.get("location");
        if (!traits.hasLastLocation() && location != null && location.hasStructValue()) {
            traits.setLastLocation(Json.parse(Json.print(location), GeoPoint.newBuilder()));
        }
        return traits.build();
    }

    public Traits.Builder toTraits(Row row) {
        Traits.Builder traits = Traits.newBuilder();
        if (row.getString("activity") != null) {
            JsonObject a = new JsonObject(row.getString("activity"));
            traits.setFirstSeenTime(Envelopes.timestamp(OffsetDateTime.parse(a.getString("first_seen")).toInstant()))
                    .setLastSeenTime(Envelopes.timestamp(OffsetDateTime.parse(a.getString("last_seen")).toInstant()))
                    .setEventCount(a.getLong("event_count"));
            if (a.getValue("location") != null) {
                traits.setLastLocation(Json.parse(a.getValue("location").toString(), GeoPoint.newBuilder())
                        .setTime(Envelopes.timestamp(OffsetDateTime.parse(a.getString("location_time")).toInstant())));
            }
            if (a.getString("locale") != null) {
                traits.setPreferredLanguage(a.getString("locale"));
            }
        }
        if (row.getString("counts") != null) {
            JsonArray counts = new JsonArray(row.getString("counts"));
            for (int i = 0; i < counts.size(); i++) {
                JsonArray c = counts.getJsonArray(i);
                traits.addEventCounts(EventCount.newBuilder().setName(c.getString(0)).setLast1D(c.getLong(1)).setLast7D(c.getLong(2))
                        .setLast30D(c.getLong(3)).setLast90D(c.getLong(4)).setAllTime(c.getLong(5)));
            }
        }
        if (row.getString("purchases") != null) {
            JsonArray purchases = new JsonArray(row.getString("purchases"));
            for (int i = 0; i < purchases.size(); i++) {
                JsonArray p = purchases.getJsonArray(i);
                BigDecimal total = new BigDecimal(p.getString(2));
                long count = p.getLong(1);
                traits.addPurchases(PurchaseSummary.newBuilder().setCurrency(p.getString(0)).setCount(count)
                        .setTotal(total.doubleValue())
                        .setAverage(count == 0 ? 0 : total.divide(BigDecimal.valueOf(count), java.math.MathContext.DECIMAL64).doubleValue())
                        .setFirstTime(Envelopes.timestamp(OffsetDateTime.parse(p.getString(3)).toInstant()))
                        .setLastTime(Envelopes.timestamp(OffsetDateTime.parse(p.getString(4)).toInstant())));
            }
        }
        if (row.getString("support") != null) {
            JsonArray support = new JsonArray(row.getString("support"));
            if (support.getLong(0) > 0) {
                JsonArray last = support.getJsonArray(2);
                traits.setSupport(SupportSummary.newBuilder().setConversationCount(support.getLong(0)).setBadExperienceCount(support.getLong(1))
                        .setLastConversationId(last.getString(0))
                        .setLastConversationTime(Envelopes.timestamp(OffsetDateTime.parse(last.getString(1)).toInstant()))
                        .setLastOutcome(last.getString(2)).setLastSatisfaction(last.getInteger(3)));
            }
        }
        long[] hours = new long[168];
        if (row.getString("hours") != null) {
            JsonArray h = new JsonArray(row.getString("hours"));
            for (int i = 0; i < h.size(); i++) {
                hours[h.getJsonArray(i).getInteger(0)] = h.getJsonArray(i).getLong(1);
            }
        }
        long engagementTotal = 0;
        int best = 0;
        for (int h = 0; h < 168; h++) {
            traits.addEngagementByHourOfWeek(hours[h]);
            engagementTotal += hours[h];
            best = hours[h] > hours[best] ? h : best;
        }
        if (engagementTotal >= config.bestHourMinimum()) {
            traits.setBestHourOfWeek(best);
        }
        return traits;
    }

    /** The amount of a purchase event, when it has one. */
    private java.util.Optional<BigDecimal> purchase(Event event) {
        for (String property : convention.amountProperties()) {
            Value amount = event.getProperties().getFieldsMap().get(property);
            if (amount != null && amount.hasNumberValue() && Double.isFinite(amount.getNumberValue())) {
                return java.util.Optional.of(BigDecimal.valueOf(amount.getNumberValue()));
            }
        }
        return java.util.Optional.empty();
    }

    private String currency(Event event) {
        Value currency = event.getProperties().getFieldsMap().get(convention.currencyProperty());
        return convention.currencyOf(currency != null && currency.hasStringValue() ? currency.getStringValue() : null);
    }

    private static OffsetDateTime utc(Instant at) {
        return at == null ? null : OffsetDateTime.ofInstant(at, ZoneOffset.UTC);
    }
}
