package dev.rapport.segment.definition;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A typed value compared by an operator, in Java ({@link #test}) and in SQL ({@link #sql}) with one meaning: a
 * missing value (or one of another type) matches nothing but {@code not_exists}.
 *
 * @param operands Strings for STRING and VERSION, BigDecimal for NUMBER, Boolean, Instant for DATETIME, LocalDate for
 *                 DATE, Strings for LIST; a Duration for {@code within_last}
 */
public record Comparison(ValueType type, Operator operator, List<Object> operands) {

    public enum Operator {
        EXISTS, NOT_EXISTS, EQ, NE, IN, NOT_IN, CONTAINS, STARTS_WITH, GT, GTE, LT, LTE, BETWEEN, WITHIN_LAST,
        CONTAINS_ANY, CONTAINS_ALL
    }

    /** Whether {@code value} (read as this type: null when missing) satisfies the comparison at {@code now}. */
    public boolean test(Object value, Instant now) {
        if (operator == Operator.NOT_EXISTS) {
            return value == null;
        }
        if (value == null) {
            return false;
        }
        return switch (operator) {
            case EXISTS -> true;
            case EQ -> holds(value, operands.get(0), 0, 0);
            case NE -> holds(value, operands.get(0), -1, 1) && !holds(value, operands.get(0), 0, 0);
            case IN -> operands.stream().anyMatch(o -> holds(value, o, 0, 0));
            case NOT_IN -> operands.stream().allMatch(o -> order(value, o) != null && order(value, o) != 0);
            case CONTAINS -> type == ValueType.LIST ? items(value).contains(operands.get(0)) : ((String) value).contains((String) operands.get(0));
            case STARTS_WITH -> ((String) value).startsWith((String) operands.get(0));
            case GT -> holds(value, operands.get(0), 1, 1);
            case GTE -> holds(value, operands.get(0), 0, 1);
            case LT -> holds(value, operands.get(0), -1, -1);
            case LTE -> holds(value, operands.get(0), -1, 0);
            case BETWEEN -> holds(value, operands.get(0), 0, 1) && holds(value, operands.get(1), -1, 0);
            case WITHIN_LAST -> {
                Instant t = (Instant) value;
                yield !t.isBefore(now.minus((Duration) operands.get(0))) && !t.isAfter(now);
            }
            case CONTAINS_ANY -> operands.stream().anyMatch(items(value)::contains);
            case CONTAINS_ALL -> items(value).containsAll(operands);
            case NOT_EXISTS -> throw new IllegalStateException();
        };
    }

    /** The value compares to the operand with a sign between {@code low} and {@code high}; never when they have no order. */
    private boolean holds(Object value, Object operand, int low, int high) {
        Integer sign = order(value, operand);
        return sign != null && sign >= low && sign <= high;
    }

    /** SQL true exactly when {@link #test} is; {@code typed} is the value already read as this type (NULL when missing). */
    public String sql(String typed, Instant now, SqlParams params) {
        return sql(typed, now, params, null);
    }

    /**
     * As {@link #sql(String, Instant, SqlParams)} with every operand multiplied by {@code scale} (an SQL number): an
     * average compared without dividing ("total ≥ value × count"), exactly as {@link #scaled} does in Java.
     */
    public String sql(String typed, Instant now, SqlParams params, String scale) {
        String sqlType = switch (type) {
            case STRING, VERSION, LIST, ANY -> "text";
            case NUMBER -> "numeric";
            case BOOLEAN -> "boolean";
            case DATETIME -> "timestamptz";
            case DATE -> "date";
        };
        List<String> p = new ArrayList<>();
        if (operator != Operator.WITHIN_LAST) {
            operands.forEach(o -> p.add(scale == null ? params.text(o, sqlType) : "(" + params.text(o, sqlType) + " * " + scale + ")"));
        }
        String compared = switch (operator) {
            case EXISTS -> typed + " IS NOT NULL";
            case NOT_EXISTS -> typed + " IS NULL";
            case EQ -> order(typed, p.get(0)) + " = 0";
            case NE -> order(typed, p.get(0)) + " <> 0";
            case IN -> "(" + String.join(" OR ", p.stream().map(x -> order(typed, x) + " = 0").toList()) + ")";
            case NOT_IN -> "NOT (" + String.join(" OR ", p.stream().map(x -> order(typed, x) + " = 0").toList()) + ")";
            case CONTAINS -> type == ValueType.LIST ? typed + " @> jsonb_build_array(" + p.get(0) + ")" : "strpos(" + typed + ", " + p.get(0) + ") > 0";
            case STARTS_WITH -> "starts_with(" + typed + ", " + p.get(0) + ")";
            case GT -> order(typed, p.get(0)) + " > 0";
            case GTE -> order(typed, p.get(0)) + " >= 0";
            case LT -> order(typed, p.get(0)) + " < 0";
            case LTE -> order(typed, p.get(0)) + " <= 0";
            case BETWEEN -> order(typed, p.get(0)) + " >= 0 AND " + order(typed, p.get(1)) + " <= 0";
            case WITHIN_LAST -> typed + " >= " + params.text(now.minus((Duration) operands.get(0)), "timestamptz")
                    + " AND " + typed + " <= " + params.text(now, "timestamptz");
            case CONTAINS_ANY -> "(" + String.join(" OR ", p.stream().map(x -> typed + " @> jsonb_build_array(" + x + ")").toList()) + ")";
            case CONTAINS_ALL -> "(" + String.join(" AND ", p.stream().map(x -> typed + " @> jsonb_build_array(" + x + ")").toList()) + ")";
        };
        return operator == Operator.NOT_EXISTS ? "(" + compared + ")" : "COALESCE((" + typed + " IS NOT NULL AND " + compared + "), false)";
    }

    /** This comparison of numbers with every operand multiplied by {@code factor}. */
    public Comparison scaled(BigDecimal factor) {
        return new Comparison(type, operator, operands.stream().map(o -> (Object) ((BigDecimal) o).multiply(factor)).toList());
    }

    /** A relative comparison's result changes as time passes. */
    public boolean moves() {
        return operator == Operator.WITHIN_LAST;
    }

    /** -1, 0 or 1; null when there is no order (a text that is no version: SQL gives NULL). */
    private Integer order(Object value, Object operand) {
        if (type == ValueType.VERSION) {
            return Versions.compare((String) value, (String) operand);
        }
        int c = switch (type) {
            case NUMBER -> ((BigDecimal) value).compareTo((BigDecimal) operand);
            // Texts are only compared for equality (collation-free, as in SQL).
            case STRING -> ((String) value).equals(operand) ? 0 : 1;
            case BOOLEAN -> Boolean.compare((Boolean) value, (Boolean) operand);
            // Both already in microseconds (ValueType reads times as PostgreSQL does).
            case DATETIME -> ((Instant) value).compareTo((Instant) operand);
            case DATE -> ((LocalDate) value).compareTo((LocalDate) operand);
            default -> throw new IllegalStateException(type + " values have no order");
        };
        return Integer.signum(c);
    }

    private String order(String typed, String operand) {
        return type == ValueType.VERSION ? "version_cmp(" + typed + ", " + operand + ")"
                : type == ValueType.STRING ? "(CASE WHEN " + typed + " = " + operand + " THEN 0 ELSE 1 END)"
                : "(CASE WHEN " + typed + " = " + operand + " THEN 0 WHEN " + typed + " > " + operand + " THEN 1 ELSE -1 END)";
    }

    private static List<String> items(Object list) {
        List<String> items = new ArrayList<>();
        ((JsonNode) list).forEach(item -> {
            if (item.isTextual()) {
                items.add(item.textValue());
            }
        });
        return items;
    }
}
