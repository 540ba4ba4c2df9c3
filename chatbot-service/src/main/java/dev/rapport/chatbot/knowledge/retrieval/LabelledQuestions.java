package dev.rapport.chatbot.knowledge.retrieval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Questions labelled with the topic that answers them, read from a {@code text,category} CSV (RFC 4180 quoting). */
public final class LabelledQuestions {
    private LabelledQuestions() {
    }

    public record Question(String text, String category) {
    }

    public static List<Question> read(Path csv) throws IOException {
        List<List<String>> rows = parse(Files.readString(csv, StandardCharsets.UTF_8));
        if (rows.isEmpty() || !rows.get(0).equals(List.of("text", "category"))) {
            throw new IOException(csv + ": the first line must be the header text,category");
        }
        List<Question> questions = new ArrayList<>();
        for (int i = 1; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            if (row.size() == 1 && row.get(0).isEmpty()) {
                continue;
            }
            if (row.size() != 2) {
                throw new IOException(csv + ": record " + (i + 1) + " has " + row.size() + " fields, not 2");
            }
            questions.add(new Question(row.get(0), row.get(1)));
        }
        return questions;
    }

    /** RFC 4180: fields separated by commas, quoted with double quotes, a quote inside doubled. */
    public static List<List<String>> parse(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
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
        if (field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
