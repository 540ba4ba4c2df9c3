package dev.rapport.chatbot.knowledge.retrieval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

import dev.rapport.chatbot.knowledge.retrieval.LabelledQuestions.Question;

/**
 * A knowledge base built from labelled questions, to calibrate the answer policy and measure it: each category is
 * an article whose example questions are some of its training questions. Some categories, drawn with a seed, are held out
 * of the knowledge base entirely: their test questions stand for what the bot cannot answer.
 */
public final class Evaluation {
    private final List<Question> train;
    private final List<Question> test;
    private final List<String> knownCategories;
    private final List<String> heldOutCategories;
    private final long seed;
    private final int examplesPerArticle;
    private final Map<String, float[]> vectors;

    /**
     * @param examplesPerArticle how many training questions each article keeps as examples: a help centre written by
     *        hand has a handful per article, not the hundred a dataset has, and the scores depend on it
     */
    public Evaluation(SentenceModel model, List<Question> train, List<Question> test, int heldOut, long seed,
            int examplesPerArticle) {
        this.train = train;
        this.examplesPerArticle = examplesPerArticle;
        this.vectors = new HashMap<>();
        this.test = test;
        this.seed = seed;
        List<String> categories = new ArrayList<>(new TreeSet<>(train.stream().map(Question::category).toList()));
        Collections.shuffle(categories, new Random(seed));
        this.heldOutCategories = List.copyOf(categories.subList(0, heldOut));
        this.knownCategories = List.copyOf(categories.subList(heldOut, categories.size()));
        LinkedHashSet<String> texts = new LinkedHashSet<>();
        train.forEach(q -> texts.add(q.text()));
        test.forEach(q -> texts.add(q.text()));
        categories.forEach(c -> texts.add(title(c)));
        List<String> distinct = List.copyOf(texts);
        List<float[]> embedded = model.embedAll(distinct);
        for (int i = 0; i < distinct.size(); i++) {
            vectors.put(distinct.get(i), embedded.get(i));
        }
    }

    private Evaluation(Evaluation other, int examplesPerArticle) {
        this.train = other.train;
        this.test = other.test;
        this.knownCategories = other.knownCategories;
        this.heldOutCategories = other.heldOutCategories;
        this.seed = other.seed;
        this.vectors = other.vectors;
        this.examplesPerArticle = examplesPerArticle;
    }

    /** The same questions and embeddings, with another number of example questions per article. */
    public Evaluation withExamplesPerArticle(int examples) {
        return new Evaluation(this, examples);
    }

    public List<String> knownCategories() {
        return knownCategories;
    }

    public List<String> heldOutCategories() {
        return heldOutCategories;
    }

    /** "card_arrival" → "Card arrival": the article's title. */
    static String title(String category) {
        String words = category.replace('_', ' ');
        return Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    /**
     * Observations from the training questions alone: every fifth question of each known category is kept out of
     * the index to be asked; the known categories are split into folds, and each fold in turn is left out of the
     * index so that its questions stand for unanswerable ones. The held-out categories and the test questions are
     * never seen.
     */
    public List<Calibration.Observation> calibration(int folds) {
        List<String> shuffled = new ArrayList<>(knownCategories);
        Collections.shuffle(shuffled, new Random(seed + 1));
        Map<String, Integer> foldOf = new HashMap<>();
        for (int i = 0; i < shuffled.size(); i++) {
            foldOf.put(shuffled.get(i), i % folds);
        }
        Map<String, List<String>> examples = new LinkedHashMap<>();
        Map<String, List<String>> asked = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Question q : train) {
            if (foldOf.containsKey(q.category())) {
                int n = seen.merge(q.category(), 1, Integer::sum);
                (n % 5 == 0 ? asked : examples).computeIfAbsent(q.category(), c -> new ArrayList<>()).add(q.text());
            }
        }
        List<Calibration.Observation> observations = new ArrayList<>();
        for (int fold = 0; fold < folds; fold++) {
            int out = fold;
            Map<String, List<String>> inIndex = new LinkedHashMap<>(examples);
            inIndex.keySet().removeIf(category -> foldOf.get(category) == out);
            ArticleIndex index = index(inIndex);
            asked.forEach((category, questions) -> {
                int f = foldOf.get(category);
                boolean answerable = f != out;
                // each answerable question is asked once, in the fold after its own
                if (!answerable || f == (out + 1) % folds) {
                    questions.forEach(q -> observations.add(observe(index, q, answerable ? category : null)));
                }
            });
        }
        return observations;
    }

    public int examplesPerArticle() {
        return examplesPerArticle;
    }

    /** Observations on the test questions, with the known categories' first training questions in the index. */
    public List<Calibration.Observation> test() {
        Map<String, List<String>> inIndex = new LinkedHashMap<>();
        for (Question q : train) {
            if (knownCategories.contains(q.category())) {
                inIndex.computeIfAbsent(q.category(), c -> new ArrayList<>()).add(q.text());
            }
        }
        ArticleIndex index = index(inIndex);
        return test.stream()
                .map(q -> observe(index, q.text(), knownCategories.contains(q.category()) ? q.category() : null))
                .toList();
    }

    private ArticleIndex index(Map<String, List<String>> questionsByCategory) {
        List<ArticleIndex.Entry> entries = new ArrayList<>();
        questionsByCategory.forEach((category, questions) -> {
            List<String> texts = new ArrayList<>();
            texts.add(title(category));
            texts.addAll(questions.subList(0, Math.min(examplesPerArticle, questions.size())));
            entries.add(new ArticleIndex.Entry(category, "en", title(category), texts, texts.stream().map(vectors::get).toList()));
        });
        return ArticleIndex.of(entries);
    }

    private Calibration.Observation observe(ArticleIndex index, String question, String expected) {
        return new Calibration.Observation(expected, index.search("en", question, vectors.get(question), 0, false, Integer.MAX_VALUE));
    }
}
