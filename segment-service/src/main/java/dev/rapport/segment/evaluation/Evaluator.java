package dev.rapport.segment.evaluation;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.runtime.PurchaseConvention;
import dev.rapport.segment.definition.Condition;
import dev.rapport.segment.definition.Condition.AgeIs;
import dev.rapport.segment.definition.Condition.All;
import dev.rapport.segment.definition.Condition.Any;
import dev.rapport.segment.definition.Condition.AttributeIs;
import dev.rapport.segment.definition.Condition.ConsentIs;
import dev.rapport.segment.definition.Condition.EventCount;
import dev.rapport.segment.definition.Condition.EventMatch;
import dev.rapport.segment.definition.Condition.EventTime;
import dev.rapport.segment.definition.Condition.InSegment;
import dev.rapport.segment.definition.Condition.Near;
import dev.rapport.segment.definition.Condition.Not;
import dev.rapport.segment.definition.Condition.Purchases;
import dev.rapport.segment.definition.Condition.Sequence;
import dev.rapport.segment.definition.ValueType;
import dev.rapport.segment.definition.Window;

/**
 * Evaluates a definition for one profile in Java (real time), and says why: every node's value, what was found and
 * the events that satisfied it. {@link SqlCompiler} gives every condition the same meaning for everyone at once; the
 * agreement test holds them to it.
 */
public final class Evaluator {
    private static final int EVIDENCE = 10;
    private static final double EARTH_RADIUS_KM = 6371.0088;

    private final Map<UUID, Condition> segments;
    private final PurchaseConvention purchases;
    private final Instant now;

    /** @param segments every saved segment's definition, for references */
    public Evaluator(Map<UUID, Condition> segments, PurchaseConvention purchases, Instant now) {
        this.segments = segments;
        this.purchases = purchases;
        this.now = now;
    }

    /** AND (decisive false) or OR (decisive true) of values that may be unknown (null): Kleene's three-valued logic. */
    private Boolean decidedBy(List<Condition> of, boolean decisive, Facts facts) {
        boolean unknown = false;
        for (Condition c : of) {
            Boolean value = withoutEvents(c, facts);
            if (value != null && value == decisive) {
                return decisive;
            }
            unknown |= value == null;
        }
        return unknown ? null : !decisive;
    }

    /** One node's value and why. */
    public record Verdict(Condition condition, boolean value, String detail, List<String> eventIds, List<Verdict> children) {
        static Verdict of(Condition c, boolean value, String detail) {
            return new Verdict(c, value, detail, List.of(), List.of());
        }
    }

    public boolean matches(Condition condition, Facts facts) {
        return evaluate(condition, facts).value();
    }

    /**
     * The value when the profile's events cannot change it (attributes, consent or RFM already decide: "in Barcelona
     * and ordered 5 times" for someone elsewhere), else null; {@code facts} need hold no events. Real time then reads
     * the events of only the profiles it must.
     */
    public Boolean withoutEvents(Condition condition, Facts facts) {
        return switch (condition) {
            case All all -> decidedBy(all.of(), false, facts);
            case Any any -> decidedBy(any.of(), true, facts);
            case Not not -> {
                Boolean inner = withoutEvents(not.condition(), facts);
                yield inner == null ? null : !inner;
            }
            case InSegment in -> {
                Condition referenced = segments.get(in.segmentId());
                yield referenced == null ? Boolean.FALSE : withoutEvents(referenced, facts);
            }
            case EventCount e -> null;
            case EventTime e -> null;
            case Sequence e -> null;
            case Purchases e -> null;
            default -> matches(condition, facts);
        };
    }

    public Verdict evaluate(Condition condition, Facts facts) {
        return switch (condition) {
            case All all -> {
                List<Verdict> children = all.of().stream().map(c -> evaluate(c, facts)).toList();
                yield new Verdict(all, children.stream().allMatch(Verdict::value), "all of " + children.size(), List.of(), children);
            }
            case Any any -> {
                List<Verdict> children = any.of().stream().map(c -> evaluate(c, facts)).toList();
                yield new Verdict(any, children.stream().anyMatch(Verdict::value), "any of " + children.size(), List.of(), children);
            }
            case Not not -> {
                Verdict inner = evaluate(not.condition(), facts);
                yield new Verdict(not, !inner.value(), "not", List.of(), List.of(inner));
            }
            case InSegment in -> {
                Condition referenced = segments.get(in.segmentId());
                if (referenced == null) {
                    yield Verdict.of(in, false, "segment " + in.segmentId() + " no longer exists");
                }
                Verdict inner = evaluate(referenced, facts);
                yield new Verdict(in, inner.value(), "segment " + in.segmentId(), List.of(), List.of(inner));
            }
            case AttributeIs a -> {
                JsonNode value = facts.attributes().get(a.attribute());
                boolean holds = a.comparison().test(a.comparison().type().read(value), now);
                yield Verdict.of(a, holds, a.attribute() + (value == null || value.isNull() ? " has no value" : " = " + value));
            }
            case AgeIs age -> {
                LocalDate birth = (LocalDate) ValueType.DATE.read(facts.attributes().get("birth_date"));
                yield Verdict.of(age, birth != null && ageHolds(age, birth),
                        birth == null ? "no birth date" : "age " + java.time.Period.between(birth, today()).getYears());
            }
            case Near near -> {
                JsonNode location = facts.attributes().get("location");
                Double km = distance(location, near);
                yield Verdict.of(near, km != null && km <= near.radiusKm(),
                        km == null ? "no location" : String.format(java.util.Locale.ROOT, "%.3f km away", km));
            }
            case EventCount count -> {
                Window.Range range = count.window().at(now);
                List<Facts.StoredEvent> found = facts.events().stream()
                        .filter(e -> range.contains(e.occurTime()) && matches(count.match(), e)).toList();
                yield new Verdict(count, count.bound().test(found.size()),
                        found.size() + " matching event" + (found.size() == 1 ? "" : "s") + ", needed " + count.bound().kind().name().toLowerCase().replace('_', ' ') + " " + count.bound().count(),
                        evidence(found), List.of());
            }
            case EventTime time -> {
                Facts.StoredEvent chosen = null;
                for (Facts.StoredEvent e : facts.events()) {
                    if (matches(time.match(), e) && (chosen == null
                            || (time.first() ? e.occurTime().isBefore(chosen.occurTime()) : e.occurTime().isAfter(chosen.occurTime())))) {
                        chosen = e;
                    }
                }
                yield new Verdict(time, chosen != null && time.comparison().test(chosen.occurTime(), now),
                        chosen == null ? "no matching event" : (time.first() ? "first" : "last") + " at " + chosen.occurTime(),
                        chosen == null ? List.of() : List.of(chosen.id()), List.of());
            }
            case Sequence sequence -> sequence(sequence, facts);
            case Purchases p -> purchases(p, facts);
            case Condition.RfmIs rfm -> {
                JsonNode value = facts.rfm() == null ? null : facts.rfm().get(rfm.score());
                yield Verdict.of(rfm, rfm.comparison().test(rfm.comparison().type().read(value), now),
                        facts.rfm() == null ? "no RFM scores (no purchase in the RFM window)" : "RFM " + rfm.score() + " = " + value);
            }
            case ConsentIs consent -> {
                Boolean decision = decision(facts.consent(), consent.purpose(), consent.channel());
                Condition.ConsentState state = decision == null ? Condition.ConsentState.UNDECIDED
                        : decision ? Condition.ConsentState.GRANTED : Condition.ConsentState.WITHDRAWN;
                yield Verdict.of(consent, state == consent.state(), consent.purpose() + ": " + state.name().toLowerCase());
            }
        };
    }

    private Verdict sequence(Sequence s, Facts facts) {
        Window.Range range = s.window().at(now);
        for (Facts.StoredEvent a : facts.events()) {
            if (!range.contains(a.occurTime()) || !matches(s.first(), a)) {
                continue;
            }
            Instant deadline = a.occurTime().plus(s.within());
            Facts.StoredEvent followed = facts.events().stream()
                    .filter(b -> b.occurTime().isAfter(a.occurTime()) && !b.occurTime().isAfter(deadline) && matches(s.then(), b))
                    .findFirst().orElse(null);
            if (s.thenHappened() && followed != null) {
                return new Verdict(s, true, "followed within " + s.within(), List.of(a.id(), followed.id()), List.of());
            }
            if (!s.thenHappened() && followed == null && !deadline.isAfter(now)) {
                return new Verdict(s, true, "not followed within " + s.within(), List.of(a.id()), List.of());
            }
        }
        return Verdict.of(s, false, "no such sequence");
    }

    private Verdict purchases(Purchases p, Facts facts) {
        Window.Range range = p.window().at(now);
        BigDecimal total = BigDecimal.ZERO;
        long count = 0;
        long withAmount = 0;
        List<Facts.StoredEvent> found = new ArrayList<>();
        for (Facts.StoredEvent e : facts.events()) {
            if (!purchases.events().contains(e.name()) || !range.contains(e.occurTime())) {
                continue;
            }
            JsonNode currency = e.properties().get(purchases.currencyProperty());
            String in = purchases.currencyOf(currency != null && currency.isTextual() ? currency.textValue() : null);
            if (p.currency() != null && !p.currency().equals(in)) {
                continue;
            }
            count++;
            found.add(e);
            BigDecimal amount = amount(e.properties());
            if (amount != null) {
                total = total.add(amount);
                withAmount++;
            }
        }
        boolean holds = switch (p.measure()) {
            case TOTAL -> p.comparison().test(total, now);
            case COUNT -> p.comparison().test(BigDecimal.valueOf(count), now);
            case AVERAGE -> withAmount > 0 && p.comparison().scaled(BigDecimal.valueOf(withAmount)).test(total, now);
        };
        String currency = p.currency() == null ? "" : " " + p.currency();
        return new Verdict(p, holds, count + " purchase" + (count == 1 ? "" : "s") + ", total " + total.toPlainString() + currency,
                evidence(found), List.of());
    }

    /** The first of the amount properties that holds a number. */
    BigDecimal amount(JsonNode properties) {
        for (String name : purchases.amountProperties()) {
            Object value = ValueType.NUMBER.read(properties.get(name));
            if (value != null) {
                return (BigDecimal) value;
            }
        }
        return null;
    }

    static boolean matches(EventMatch match, Facts.StoredEvent e, Instant now) {
        if (match.name() != null && !match.name().equals(e.name())) {
            return false;
        }
        for (Condition.PropertyFilter filter : match.where()) {
            JsonNode value = e.properties();
            for (String step : filter.path()) {
                value = value == null || !value.isObject() ? null : value.get(step);
            }
            if (!filter.comparison().test(filter.comparison().type().read(value), now)) {
                return false;
            }
        }
        return true;
    }

    private boolean matches(EventMatch match, Facts.StoredEvent e) {
        return matches(match, e, now);
    }

    private boolean ageHolds(AgeIs age, LocalDate birth) {
        LocalDate today = today();
        return (age.bornByYearsAgo() == null || !birth.isAfter(today.minusYears(age.bornByYearsAgo())))
                && (age.bornAfterYearsAgo() == null || birth.isAfter(today.minusYears(age.bornAfterYearsAgo())));
    }

    LocalDate today() {
        return LocalDate.ofInstant(now, ZoneOffset.UTC);
    }

    /** The person's decision for a purpose: a channel's own decision wins over the one for all channels. */
    public static Boolean decision(JsonNode consent, String purpose, String channel) {
        if (consent == null) {
            return null;
        }
        JsonNode specific = channel.isEmpty() ? null : consent.get(purpose + "/" + channel);
        JsonNode chosen = specific != null && specific.isBoolean() ? specific : consent.get(purpose);
        return chosen != null && chosen.isBoolean() ? chosen.booleanValue() : null;
    }

    static Double distance(JsonNode location, Near near) {
        if (location == null || !location.isObject()) {
            return null;
        }
        JsonNode lat = location.get("latitude");
        JsonNode lon = location.get("longitude");
        if (lat == null || lon == null || !lat.isNumber() || !lon.isNumber()) {
            return null;
        }
        return distanceKm(Double.parseDouble(lat.asText()), Double.parseDouble(lon.asText()), near.latitude(), near.longitude());
    }

    /** Haversine, as SQL's distance_km. */
    static double distanceKm(double lat1, double lon1, double lat2, double lon2) {
        double dLat = Math.toRadians(lat2 - lat1) / 2;
        double dLon = Math.toRadians(lon2 - lon1) / 2;
        return 2 * EARTH_RADIUS_KM * Math.asin(Math.sqrt(Math.pow(Math.sin(dLat), 2)
                + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * Math.pow(Math.sin(dLon), 2)));
    }

    private static List<String> evidence(List<Facts.StoredEvent> events) {
        return events.stream().limit(EVIDENCE).map(Facts.StoredEvent::id).toList();
    }

}
