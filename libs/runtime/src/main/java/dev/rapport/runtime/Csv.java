package dev.rapport.runtime;

import java.util.ArrayList;
import java.util.List;

/** CSV as RFC 4180 writes it: fields separated by commas, quoted with double quotes (a quote inside doubled). */
public final class Csv {
    private Csv() {
    }

    /**
     * The records of the text, each a list of fields; a quoted field may hold commas and line breaks. A byte order mark
     * (as spreadsheets write it) is ignored; blank lines are skipped.
     *
     * @throws IllegalArgumentException when a quoted field is never closed (the message names its line)
     */
    public static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        int line = 1;
        int quoteLine = 0;
        for (int i = text.startsWith("\uFEFF") ? 1 : 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n') {
                line++;
            }
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                quoteLine = line;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
            } else {
                field.append(c);
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("the quoted field opened on line " + quoteLine + " is never closed");
        }
        if (field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        rows.removeIf(r -> r.size() == 1 && r.get(0).isEmpty());
        return rows;
    }
}
