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
            case DATETIME -> "(CASE WHEN jsonb_typeof(" + json + ") = 'string' THEN (" + json + " #>> '{}')::timestamptz END)";
            case DATE -> "(CASE WHEN jsonb_typeof(" + json + ") = 'string' THEN (" + json + " #>> '{}')::date END)";
            case ANY -> "(CASE WHEN jsonb_typeof(" + json + ") <> 'null' THEN " + json + " END)";
        };
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static LocalDate date(String text) {
        try {
            return LocalDate.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
