package dev.rapport.segment.evaluation;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;

import dev.rapport.runtime.PurchaseConvention;
import dev.rapport.segment.definition.Comparison;
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
import dev.rapport.segment.definition.SqlParams;
import dev.rapport.segment.definition.ValueType;
import dev.rapport.segment.definition.Window;

/**
 * Compiles a definition to one SQL condition over this service's projection: {@code p} a row of {@code profile},
 * {@code c} the person's row of {@code consent} (left-joined). Every condition means here what it means in
 * {@link Evaluator}; values are bound as parameters, never spliced in.
 */
public final class SqlCompiler {
    private boolean readsConsent;
    private boolean readsRfm;

    /**
     * The rows the compiled conditions read: a profile, and its consent ({@code c}) and RFM scores ({@code r}) only
     * when something reads them (each join costs a pass over a table as large as the population).
     *
     * @param consent whether the caller reads consent too (a purpose that needs it)
     */
    public String from(boolean consent) {
        return "profile p" + (consent || readsConsent ? " LEFT JOIN consent c ON c.subject = p.profile_id::text" : "")
                + (readsRfm ? " LEFT JOIN rfm_score r ON r.profile_id = p.profile_id" : "");
    }

    private final Map<UUID, Condition> segments;
    private final PurchaseConvention purchases;
    private final Instant now;
    private final SqlParams params;

    public SqlCompiler(Map<UUID, Condition> segments, PurchaseConvention purchases, Instant now, SqlParams params) {
        this.segments = segments;
        this.purchases = purchases;
        this.now = now;
        this.params = params;
    }

    public String compile(Condition condition) {
        return switch (condition) {
            case All all -> "(" + String.join(" AND ", all.of().stream().map(this::compile).toList()) + ")";
            case Any any -> "(" + String.join(" OR ", any.of().stream().map(this::compile).toList()) + ")";
            case Not not -> "(NOT " + compile(not.condition()) + ")";
            case InSegment in -> {
                Condition referenced = segments.get(in.segmentId());
                yield referenced == null ? "false" : compile(referenced);
            }
            case AttributeIs a -> {
                String json = "(p.attributes -> " + params.text(a.attribute()) + ")";
                yield a.comparison().sql(a.comparison().type().sql(json), now, params);
            }
            case AgeIs age -> {
                String birth = ValueType.DATE.sql("(p.attributes -> 'birth_date')");
                LocalDate today = LocalDate.ofInstant(now, ZoneOffset.UTC);
                StringBuilder sql = new StringBuilder("COALESCE((" + birth + " IS NOT NULL");
                if (age.bornByYearsAgo() != null) {
                    sql.append(" AND ").append(birth).append(" <= ").append(params.text(today.minusYears(age.bornByYearsAgo()), "date"));
                }
                if (age.bornAfterYearsAgo() != null) {
                    sql.append(" AND ").append(birth).append(" > ").append(params.text(today.minusYears(age.bornAfterYearsAgo()), "date"));
                }
                yield sql.append("), false)").toString();
            }
            case Near near -> "COALESCE((CASE WHEN jsonb_typeof(p.attributes -> 'location' -> 'latitude') = 'number'"
                    + " AND jsonb_typeof(p.attributes -> 'location' -> 'longitude') = 'number' THEN distance_km("
                    + "(p.attributes -> 'location' ->> 'latitude')::float8, (p.attributes -> 'location' ->> 'longitude')::float8, "
                    + params.text(near.latitude(), "float8") + ", " + params.text(near.longitude(), "float8") + ") <= "
                    + params.text(near.radiusKm(), "float8") + " END), false)";
            // Event conditions are set-based: one pass over the matching events, grouped by profile (hashed against
            // the profiles), not one lookup per profile. A profile with no matching event is in no group.
            case EventCount count -> {
                String grouped = "SELECT e.profile_id FROM event e WHERE " + match(count.match(), "e") + window(count.window(), "e")
                        + " GROUP BY e.profile_id HAVING count(*) ";
                long n = count.bound().count();
                yield switch (count.bound().kind()) {
                    case AT_LEAST -> "p.profile_id IN (" + grouped + ">= " + params.text(n, "bigint") + ")";
                    case AT_MOST -> "p.profile_id NOT IN (" + grouped + "> " + params.text(n, "bigint") + ")";
                    case EXACTLY -> n == 0 ? "p.profile_id NOT IN (" + grouped + "> 0)"
                            : "p.profile_id IN (" + grouped + "= " + params.text(n, "bigint") + ")";
                };
            }
            case EventTime time -> eventTime(time);
            case Sequence s -> sequence(s);
            case Purchases p -> purchases(p);
            case Condition.RfmIs rfm -> {
                readsRfm = true;
                yield rfm.comparison().sql(rfm.score().equals("segment") ? "r.segment" : "(r." + rfm.score() + ")::numeric",
                    now, params);
            }
            case ConsentIs consent -> {
                readsConsent = true;
                String decision = decision(consent.purpose(), consent.channel());
                yield switch (consent.state()) {
                    case GRANTED -> "COALESCE(" + decision + ", false)";
                    case WITHDRAWN -> "COALESCE(NOT " + decision + ", false)";
                    case UNDECIDED -> "(" + decision + " IS NULL)";
                };
            }
        };
    }

    /** SQL of the person's decision for a purpose (NULL: never decided), as {@link Evaluator#decision}. */
    public String decision(String purpose, String channel) {
        String general = "(c.decisions ->> " + params.text(purpose) + ")::boolean";
        return channel.isEmpty() ? "(" + general + ")"
                : "COALESCE((c.decisions ->> " + params.text(purpose + "/" + channel) + ")::boolean, " + general + ")";
    }

    private String sequence(Sequence s) {
        String within = params.text(s.within(), "interval");
        String followed = "EXISTS (SELECT 1 FROM event b WHERE b.profile_id = p.profile_id AND " + match(s.then(), "b")
                + " AND b.occur_time > a.occur_time AND b.occur_time <= a.occur_time + " + within + ")";
        return "EXISTS (SELECT 1 FROM event a WHERE a.profile_id = p.profile_id AND " + match(s.first(), "a") + window(s.window(), "a")
                + (s.thenHappened() ? " AND " + followed
                        : " AND a.occur_time + " + within + " <= " + params.text(now, "timestamptz") + " AND NOT " + followed) + ")";
    }

    /** A purchase event's amount: the first amount property that holds a number (NULL when none does). */
    public static String amount(PurchaseConvention purchases, SqlParams params, String alias) {
        StringBuilder amount = new StringBuilder("COALESCE(");
        for (String property : purchases.amountProperties()) {
            amount.append(ValueType.NUMBER.sql("(" + alias + ".properties -> " + params.text(property) + ")")).append(", ");
        }
        return amount.append("NULL::numeric)").toString();
    }

    /** The event is a purchase. */
    public static String purchaseNames(PurchaseConvention purchases, SqlParams params, String alias) {
        return alias + ".name IN (" + String.join(", ", purchases.events().stream().map(params::text).toList()) + ")";
    }

    /** A purchase event's currency, as {@link PurchaseConvention#currencyOf}: three ASCII letters upper-cased, else the default. */
    public static String currency(PurchaseConvention purchases, SqlParams params, String alias) {
        String text = ValueType.STRING.sql("(" + alias + ".properties -> " + params.text(purchases.currencyProperty()) + ")");
        return "COALESCE(CASE WHEN " + text + " ~ '^[A-Za-z]{3}$' THEN upper(" + text + ") END, " + params.text(purchases.defaultCurrency()) + ")";
    }

    /**
     * The first (last) matching event's time compared, as a range over event times: "the last one is within the
     * last 3 days" is "one is in the last 3 days and none is later than now", so only the events near the bounds are
     * read (an index by name, or by time for any event), never every event of everyone.
     */
    private String eventTime(EventTime time) {
        Comparison c = time.comparison();
        String low;
        String high;
        switch (c.operator()) {
            case GT -> {
                String x = params.text(c.operands().get(0), "timestamptz");
                return time.first() ? "(" + some(time, "> " + x) + " AND NOT " + some(time, "<= " + x) + ")" : some(time, "> " + x);
            }
            case LT -> {
                String x = params.text(c.operands().get(0), "timestamptz");
                return time.first() ? some(time, "< " + x) : "(" + some(time, "< " + x) + " AND NOT " + some(time, ">= " + x) + ")";
            }
            case BETWEEN -> {
                low = params.text(c.operands().get(0), "timestamptz");
                high = params.text(c.operands().get(1), "timestamptz");
            }
            case WITHIN_LAST -> {
                low = params.text(now.minus((java.time.Duration) c.operands().get(0)), "timestamptz");
                high = params.text(now, "timestamptz");
            }
            default -> throw new IllegalStateException("no such comparison of event times: " + c.operator());
        }
        String inRange = some(time, ">= " + low, "<= " + high);
        return "(" + inRange + " AND NOT " + (time.first() ? some(time, "< " + low) : some(time, "> " + high)) + ")";
    }

    /** The profile has a matching event whose time satisfies every bound. */
    private String some(EventTime time, String... bounds) {
        StringBuilder sql = new StringBuilder("p.profile_id IN (SELECT e.profile_id FROM event e WHERE ").append(match(time.match(), "e"));
        for (String bound : bounds) {
            sql.append(" AND e.occur_time ").append(bound);
        }
        return "(" + sql.append("))");
    }

    /**
     * Profiles with purchases in the window are grouped once; those without any hold when the comparison holds for
     * nothing bought (a total of 0, a count of 0; never an average).
     */
    private String purchases(Purchases p) {
        String amount = amount(purchases, params, "e");
        String currency = currency(purchases, params, "e");
        String rows = "FROM event e WHERE " + purchaseNames(purchases, params, "e")
                + (p.currency() == null ? "" : " AND " + currency + " = " + params.text(p.currency()))
                + window(p.window(), "e");
        String total = "COALESCE(sum(" + amount + "), 0)";
        String compared = switch (p.measure()) {
            case TOTAL -> p.comparison().sql(total, now, params);
            case COUNT -> p.comparison().sql("count(*)::numeric", now, params);
            case AVERAGE -> "count(" + amount + ") > 0 AND " + p.comparison().sql(total, now, params, "count(" + amount + ")::numeric");
        };
        boolean nothingHolds = p.measure() != Condition.Measure.AVERAGE && p.comparison().test(java.math.BigDecimal.ZERO, now);
        String bought = "p.profile_id IN (SELECT e.profile_id " + rows + " GROUP BY e.profile_id HAVING " + compared + ")";
        return nothingHolds ? "(" + bought + " OR p.profile_id NOT IN (SELECT e.profile_id " + rows + "))" : bought;
    }

    private String match(EventMatch match, String alias) {
        StringBuilder sql = new StringBuilder(match.name() == null ? "true" : alias + ".name = " + params.text(match.name()));
        for (Condition.PropertyFilter filter : match.where()) {
            StringBuilder json = new StringBuilder("(").append(alias).append(".properties");
            filter.path().forEach(step -> json.append(" -> ").append(params.text(step)));
            json.append(")");
            sql.append(" AND ").append(filter.comparison().sql(filter.comparison().type().sql(json.toString()), now, params));
        }
        return sql.toString();
    }

    private String window(Window window, String alias) {
        Window.Range range = window.at(now);
        StringBuilder sql = new StringBuilder();
        if (range.from() != null) {
            sql.append(" AND ").append(alias).append(".occur_time >= ").append(params.text(range.from(), "timestamptz"));
        }
        if (range.until() != null) {
            sql.append(" AND ").append(alias).append(".occur_time < ").append(params.text(range.until(), "timestamptz"));
        }
        return sql.toString();
    }
}
