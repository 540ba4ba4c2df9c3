package dev.rapport.chatbot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.rapport.chatbot.knowledge.retrieval.AnswerPolicy;
import dev.rapport.chatbot.knowledge.retrieval.Calibration;
import dev.rapport.chatbot.knowledge.retrieval.Calibration.Outcome;
import dev.rapport.chatbot.knowledge.retrieval.Evaluation;
import dev.rapport.chatbot.knowledge.retrieval.LabelledQuestions;
import dev.rapport.chatbot.knowledge.retrieval.SentenceModel;
import dev.rapport.testing.BenchmarkReport;

/**
 * The bot's answer quality on Banking77 (Casanueva et al. 2020, CC BY 4.0; banking77/SOURCE.md): 67 intents are the
 * knowledge base, 10 drawn with seed 77 are questions it cannot answer. Every answer policy in application.properties
 * must be the one calibration picks from the training questions alone at its number of example questions per
 * article, and on the unseen test questions each must keep what it achieved when it was chosen (BENCHMARKS.md,
 * "Chat answer quality").
 */
@Tag("in-process-model")
class Banking77QualityTest {
    static final long SEED = 77;
    static final int HELD_OUT = 10;
    static final int FOLDS = 7;
    static final List<Double> KEYWORD_WEIGHTS = List.of(0.0, 0.1, 0.2, 0.3);

    private static Evaluation evaluation;
    private static Map<String, Configured> policies;
    private static final Map<String, List<Outcome>> SWEEPS = new LinkedHashMap<>();

    record Configured(String name, String model, int examplesPerArticle, AnswerPolicy policy) {
    }

    @BeforeAll
    static void load() throws IOException, URISyntaxException {
        Path dir = Path.of(Banking77QualityTest.class.getResource("/banking77/train.csv").toURI()).getParent();
        evaluation = new Evaluation(new SentenceModel(), LabelledQuestions.read(dir.resolve("train.csv")),
                LabelledQuestions.read(dir.resolve("test.csv")), HELD_OUT, SEED, Integer.MAX_VALUE);
        Properties config = new Properties();
        try (InputStream in = Banking77QualityTest.class.getResourceAsStream("/application.properties")) {
            config.load(in);
        }
        policies = new LinkedHashMap<>();
        String prefix = "rapport.chat.answer-policy.";
        for (String name : new TreeSet<>(config.stringPropertyNames().stream().filter(k -> k.startsWith(prefix))
                .map(k -> k.substring(prefix.length(), k.indexOf('.', prefix.length()))).toList())) {
            String p = prefix + name + ".";
            policies.put(name, new Configured(name, config.getProperty(p + "model"),
                    Integer.parseInt(config.getProperty(p + "examples-per-article")),
                    new AnswerPolicy(number(config, p + "keyword-weight"), number(config, p + "answer-score"),
                            number(config, p + "answer-margin"), number(config, p + "clarify-score"), 3)));
        }
    }

    private static double number(Properties config, String key) {
        return Double.parseDouble(config.getProperty(key));
    }

    /** Every policy of the grid, on the training questions alone, at the configured policy's examples per article. */
    private static List<Outcome> sweep(Configured configured) {
        return SWEEPS.computeIfAbsent(configured.name(), n -> Calibration.sweep(
                evaluation.withExamplesPerArticle(configured.examplesPerArticle()).calibration(FOLDS),
                configured.model().equals(ArticleSearch.KEYWORDS) ? List.of(1.0) : KEYWORD_WEIGHTS, 3));
    }

    private static Outcome onTest(Configured configured) {
        return Calibration.evaluate(configured.policy(),
                evaluation.withExamplesPerArticle(configured.examplesPerArticle()).test());
    }

    @Test
    void configuredPoliciesAreWhatCalibrationChooses() {
        assertEquals(3, policies.size(), policies.toString());
        for (Configured configured : policies.values()) {
            Outcome chosen = Calibration.choose(sweep(configured), 0.9, 0.8);
            assertEquals(chosen.policy(), configured.policy(), "rapport.chat.answer-policy." + configured.name());
        }
    }

    @Test
    void unseenQuestionsGetTheirArticleAndUnanswerableOnesAHuman() {
        // The measure: the intents with (up to 130 of) their training questions. Its targets are 90 % right
        // and 80 % handed over; measured when chosen: top-1 93.2 %, 83.8 % brought to their article, 0.1 % answered
        // wrongly, 68.8 % handed over. The floors sit just under those figures, so a change that makes the bot worse
        // fails here; the unmet 80 % is reported in BENCHMARKS.md, not hidden.
        Outcome dense = onTest(policies.get("minilm-dense"));
        System.out.println(Calibration.TABLE_HEADER + "\n" + Calibration.row("test, minilm-dense", dense));
        assertTrue(dense.top1Share() >= 0.90, "top-1 accuracy " + dense.top1Share());
        assertTrue(dense.correctShare() >= 0.82, "brought to their article " + dense.correctShare());
        assertTrue(dense.answeredWrongShare() <= 0.01, "answered wrongly " + dense.answeredWrongShare());
        assertTrue(dense.escalationShare() >= 0.63, "unanswerable handed over " + dense.escalationShare());

        // A hand-written help centre: ten example questions per article. Measured when chosen: top-1 84.4 %, 65.5 %
        // brought to their article, 0.1 % answered wrongly, 75.0 % handed over.
        Outcome sparse = onTest(policies.get("minilm-sparse"));
        System.out.println(Calibration.row("test, minilm-sparse", sparse));
        assertTrue(sparse.top1Share() >= 0.82, "top-1 accuracy " + sparse.top1Share());
        assertTrue(sparse.answeredWrongShare() <= 0.02, "answered wrongly " + sparse.answeredWrongShare());
        assertTrue(sparse.escalationShare() >= 0.60, "unanswerable handed over " + sparse.escalationShare());
    }

    /** `make bench` writes the figures into BENCHMARKS.md (-Drapport.bench.report=path). */
    @Test
    @EnabledIfSystemProperty(named = "rapport.bench.report", matches = ".+")
    void report() throws IOException {
        StringBuilder shipped = new StringBuilder(Calibration.TABLE_HEADER);
        StringBuilder curves = new StringBuilder();
        for (Configured configured : policies.values()) {
            shipped.append('\n').append(Calibration.row(configured.name() + " (" + configured.examplesPerArticle()
                    + " examples)", onTest(configured)));
            if (configured.model().equals(ArticleSearch.KEYWORDS)) {
                continue;
            }
            Outcome chosen = Calibration.choose(sweep(configured), 0.9, 0.8);
            curves.append("\n\n#### ").append(configured.name()).append(", up to ").append(configured.examplesPerArticle())
                    .append(" example questions per article (handed over in calibration at the chosen policy: ")
                    .append(String.format(Locale.ROOT, "%.1f %%", 100 * chosen.escalationShare())).append(")\n\n")
                    .append(Calibration.TABLE_HEADER);
            List<Calibration.Observation> test = evaluation.withExamplesPerArticle(configured.examplesPerArticle()).test();
            for (Outcome point : Calibration.curve(sweep(configured))) {
                curves.append('\n').append(Calibration.row("calibration", point)).append('\n')
                        .append(Calibration.row("→ test", Calibration.evaluate(point.policy(), test)));
            }
        }
        BenchmarkReport.replaceSection(Path.of(System.getProperty("rapport.bench.report")), "chat-answer-quality", String.format(
                Locale.ROOT, """
                ## Chat answer quality (Banking77)

                Machine: %s. Command: `make bench` (runs `Banking77QualityTest` in chatbot-service with the report on).

                The knowledge base is Banking77 (Casanueva et al. 2020, CC BY 4.0): %d intents as articles, their training
                questions as example questions; %d intents drawn with seed %d are held out as questions the bot cannot
                answer (%s). Policies were calibrated on the training questions alone (every fifth question asked, the
                known intents in %d folds each left out in turn as unanswerable); the 3,080 test questions were never
                seen. Scores rise with the number of example questions per article, so there is one policy per model
                and density: `minilm-dense` for articles with about a hundred (the issue's measure, Banking77 as it
                is), `minilm-sparse` for about ten (a help centre written by hand), `keywords` for languages the
                model does not cover. Targets from the issue: at least 90 %% of answerable questions answered
                correctly, at least 80 %% of unanswerable ones handed over.

                ### The shipped policies on the test questions

                %s

                With up to 130 example questions per article, top-1 accuracy meets the 90 %% target, but at the shipped
                thresholds the two targets are **not** reached together: fewer unanswerable questions are handed over
                than the 80 %% target (the minilm-dense row). The held-out intents have close neighbours in the knowledge
                base (a failed top-up beside a reverted one), so they look more answerable than the folds used for
                calibration. With ten examples per article, top-1 accuracy is lower as well.

                ### Trade-off curves: for each level of handing over, the most answerable questions brought to their article%s
                """, BenchmarkReport.machine(), evaluation.knownCategories().size(), HELD_OUT, SEED,
                String.join(", ", evaluation.heldOutCategories()), FOLDS, shipped, curves));
    }
}
