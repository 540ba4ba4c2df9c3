package dev.rapport.segment.definition;

import java.util.ArrayList;
import java.util.List;

/**
 * The parameters of a compiled statement. Every value is bound as text and cast in SQL, so no value of a definition
 * is ever spliced into the statement.
 */
public final class SqlParams {
    private final List<Object> values = new ArrayList<>();

    public SqlParams(Object... leading) {
        values.addAll(List.of(leading));
    }

    /** A placeholder for {@code value} bound as text, cast to {@code sqlType}. */
    public String text(Object value, String sqlType) {
        values.add(value.toString());
        return "($" + values.size() + "::text)::" + sqlType;
    }

    public String text(Object value) {
        return text(value, "text");
    }

    public List<Object> values() {
        return values;
    }
}
