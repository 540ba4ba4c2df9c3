package dev.rapport.segment.definition;

import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How a stored JSON value is read for a comparison, the same way in Java and in SQL: a value of another JSON type
 * reads as missing.
 */
public enum ValueType {
    STRING, NUMBER, BOOLEAN, DATETIME, DATE, LIST, VERSION,
    /** Any value but JSON null: what {@code exists} and {@code not_exists} look at. */
    ANY;

    /** The typed Java value, or null when missing or of another type. */
    public Object read(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        return switch (this) {
            case STRING, VERSION -> node.isTextual() ? node.textValue() : null;
            case NUMBER -> node.isNumber() ? node.decimalValue() : null;
            case BOOLEAN -> node.isBoolean() ? node.booleanValue() : null;
            case LIST -> node.isArray() ? node : null;
            case DATETIME -> node.isTextual() ? instant(node.textValue()) : null;
            case DATE -> node.isTextual() ? date(node.textValue()) : null;
            case ANY -> node;
        };
    }

    /** SQL reading a jsonb expression as this type: NULL when missing or of another JSON type. */
    public String sql(String json) {
        return switch (this) {
            case STRING, VERSION -> "(CASE WHEN jsonb_typeof(" + json + ") = 'string' THEN " + json + " #>> '{}' END)";
            case NUMBER -> "(CASE WHEN jsonb_typeof(" + json + ") = 'number' THEN (" + json + " #>> '{}')::numeric END)";
            case BOOLEAN -> "(CASE WHEN jsonb_typeof(" + json + ") = 'boolean' THEN (" + json + " #>> '{}')::boolean END)";
            case LIST -> "(CASE WHEN jsonb_typeof(" + json + ") = 'array' THEN " + json + " END)";
            // Attributes of these types were validated by profile-service: their text always parses.
            case DATETIME -> "(CASE WHEN jsonb_typeof(" + json + ") = 'string' AND (" + json + " #>> '{}') ~ '" + READABLE_YEAR
                    + "' THEN (" + json + " #>> '{}')::timestamptz END)";
            case DATE -> "(CASE WHEN jsonb_typeof(" + json + ") = 'string' AND (" + json + " #>> '{}') ~ '" + READABLE_YEAR
                    + "' THEN (" + json + " #>> '{}')::date END)";
            case ANY -> "(CASE WHEN jsonb_typeof(" + json + ") <> 'null' THEN " + json + " END)";
        };
    }

    /** Years 0001 to 9999 (PostgreSQL has no year 0; profile-service writes four-digit years). */
    static final String READABLE_YEAR = "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-";
    private static final java.util.regex.Pattern YEAR = java.util.regex.Pattern.compile(READABLE_YEAR);

    /** Rounded to the microsecond, half to even, as PostgreSQL reads a time. */
    private static Instant instant(String text) {
        if (!YEAR.matcher(text).find()) {
            return null;
        }
        try {
            Instant t = Instant.parse(text);
            long micros = Math.round(Math.rint(t.getNano() / 1000.0));
            return Instant.ofEpochSecond(t.getEpochSecond(), micros * 1000);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static LocalDate date(String text) {
        if (!YEAR.matcher(text).find()) {
            return null;
        }
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
