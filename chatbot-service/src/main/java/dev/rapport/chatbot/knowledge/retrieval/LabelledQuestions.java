package dev.rapport.chatbot.knowledge.retrieval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.rapport.runtime.Csv;

/** Questions labelled with the topic that answers them, read from a {@code text,category} CSV (RFC 4180 quoting). */
public final class LabelledQuestions {
    private LabelledQuestions() {
    }

    public record Question(String text, String category) {
    }

    public static List<Question> read(Path csv) throws IOException {
        List<List<String>> rows = Csv.parse(Files.readString(csv, StandardCharsets.UTF_8));
        if (rows.isEmpty() || !rows.get(0).equals(List.of("text", "category"))) {
            throw new IOException(csv + ": the first line must be the header text,category");
        }
        List<Question> questions = new ArrayList<>();
        for (int i = 1; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            if (row.size() != 2) {
                throw new IOException(csv + ": record " + (i + 1) + " has " + row.size() + " fields, not 2");
            }
            questions.add(new Question(row.get(0), row.get(1)));
        }
        return questions;
    }
}
