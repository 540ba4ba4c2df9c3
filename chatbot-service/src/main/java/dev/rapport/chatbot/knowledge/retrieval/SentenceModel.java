package dev.rapport.chatbot.knowledge.retrieval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;

/**
 * The in-process sentence-embedding model: it ships inside a Maven jar, so nothing is downloaded at run time.
 * Vectors come back with unit length, so a dot product is the cosine similarity.
 */
public final class SentenceModel {
    /** The model's name, which keys its calibrated thresholds in configuration. */
    public static final String NAME = "all-minilm-l6-v2-q";
    /** all-MiniLM-L6-v2 was trained on English; other languages are searched by keywords alone. */
    private static final Set<String> LANGUAGES = Set.of("en");
    private static final int BATCH = 128;

    private final EmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();

    public String name() {
        return NAME;
    }

    public int dimensions() {
        return 384;
    }

    /** Whether the model understands text in this BCP 47 language. */
    public boolean covers(String language) {
        return LANGUAGES.contains(Locale.forLanguageTag(language).getLanguage());
    }

    public float[] embed(String text) {
        return unit(model.embed(text).content().vector());
    }

    public List<float[]> embedAll(List<String> texts) {
        List<float[]> vectors = new ArrayList<>(texts.size());
        for (int from = 0; from < texts.size(); from += BATCH) {
            List<TextSegment> batch = texts.subList(from, Math.min(texts.size(), from + BATCH)).stream()
                    .map(TextSegment::from).toList();
            for (Embedding embedding : model.embedAll(batch).content()) {
                vectors.add(unit(embedding.vector()));
            }
        }
        return vectors;
    }

    private static float[] unit(float[] vector) {
        double norm = 0;
        for (float v : vector) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int i = 0; i < vector.length; i++) {
                vector[i] /= (float) norm;
            }
        }
        return vector;
    }
}
