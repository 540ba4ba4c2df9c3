package dev.rapport.chatbot.knowledge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import dev.rapport.chatbot.knowledge.retrieval.AnswerPolicy;
import dev.rapport.chatbot.knowledge.retrieval.Calibration;
import dev.rapport.chatbot.knowledge.retrieval.Calibration.Observation;
import dev.rapport.chatbot.knowledge.retrieval.Calibration.Outcome;
import dev.rapport.chatbot.knowledge.retrieval.Evaluation;
import dev.rapport.chatbot.knowledge.retrieval.LabelledQuestions;
import dev.rapport.chatbot.knowledge.retrieval.SentenceModel;
import dev.rapport.testing.BenchmarkReport;

/**
 * The bot's answer quality on Banking77 (Casanueva et al. 2020, CC BY 4.0; banking77/SOURCE.md): 67 intents are the
 * knowledge base, 10 drawn with seed 77 are questions it cannot answer. The thresholds in application.properties
 * must be the ones calibration picks from the training questions alone, and on the unseen test questions they must
 * keep what they achieved when they were chosen (measured: BENCHMARKS.md, "Chat answer quality").
 */
class Banking77QualityTest {
    static final long SEED = 77;
    static final int HELD_OUT = 10;
    static final int FOLDS = 7;
    static final List<Double> KEYWORD_WEIGHTS = List.of(0.0, 0.1, 0.2, 0.3);

    private static Evaluation evaluation;
    private static Properties config;
    private static List<Outcome> sweep;

    @BeforeAll
    static void load() throws IOException, URISyntaxException {
        evaluation = banking77(new SentenceModel());
        config = new Properties();
        try (InputStream in = Banking77QualityTest.class.getResourceAsStream("/application.properties")) {
            config.load(in);
        }
    }

    static Evaluation banking77(SentenceModel model) throws IOException, URISyntaxException {
        Path dir = Path.of(Banking77QualityTest.class.getResource("/banking77/train.csv").toURI()).getParent();
        return new Evaluation(model, LabelledQuestions.read(dir.resolve("train.csv")),
                LabelledQuestions.read(dir.resolve("test.csv")), HELD_OUT, SEED);
    }

    @Test
    void configuredPoliciesAreWhatCalibrationChooses() {
        List<Observation> calibration = evaluation.calibration(FOLDS);
        sweep = Calibration.sweep(calibration, KEYWORD_WEIGHTS, 3);
        Outcome semantic = Calibration.choose(sweep, 0.9, 0.8);
        Outcome keywords = Calibration.choose(Calibration.sweep(calibration, List.of(1.0), 3), 0.9, 0.8);
        assertEquals(semantic.policy(), configured(SentenceModel.NAME), "rapport.chat.answer-policy." + SentenceModel.NAME);
        assertEquals(keywords.policy(), configured("keywords"), "rapport.chat.answer-policy.keywords");
    }

    @Test
    void unseenQuestionsGetTheirArticleAndUnanswerableOnesAHuman() {
        List<Observation> test = evaluation.test();
        Outcome semantic = Calibration.evaluate(configured(SentenceModel.NAME), test);
        System.out.println(Calibration.TABLE_HEADER + "\n" + Calibration.row("test, " + SentenceModel.NAME, semantic));
        // The targets are 90 % right and 80 % handed over; measured when chosen: top-1 93.4 %, 84.4 % brought
        // to their article, 0.4 % answered wrongly, 66.0 % handed over. The floors sit just under those figures, so a
        // change that makes the bot worse fails here; the unmet 80 % is reported in BENCHMARKS.md, not hidden.
        assertTrue(semantic.top1Share() >= 0.90, "top-1 accuracy " + semantic.top1Share());
        assertTrue(semantic.correctShare() >= 0.82, "brought to their article " + semantic.correctShare());
        assertTrue(semantic.answeredWrongShare() <= 0.01, "answered wrongly " + semantic.answeredWrongShare());
        assertTrue(semantic.escalationShare() >= 0.63, "unanswerable handed over " + semantic.escalationShare());
    }

    /** `make bench` writes the figures into BENCHMARKS.md (-Drapport.bench.report=path). */
    @Test
    @EnabledIfSystemProperty(named = "rapport.bench.report", matches = ".+")
    void report() throws IOException {
        if (sweep == null) {
            sweep = Calibration.sweep(evaluation.calibration(FOLDS), KEYWORD_WEIGHTS, 3);
        }
        List<Observation> test = evaluation.test();
        StringBuilder curve = new StringBuilder(Calibration.TABLE_HEADER);
        for (Outcome point : Calibration.curve(sweep)) {
            curve.append('\n').append(Calibration.row("calibration", point)).append('\n')
                    .append(Calibration.row("→ test", Calibration.evaluate(point.policy(), test)));
        }
        AnswerPolicy shipped = configured(SentenceModel.NAME);
        AnswerPolicy keywords = configured("keywords");
        BenchmarkReport.replaceSection(Path.of(System.getProperty("rapport.bench.report")), "chat-answer-quality", String.format(
                Locale.ROOT, """
                ## Chat answer quality (Banking77)

                Machine: %s. Command: `make bench` (runs `Banking77QualityTest` in chatbot-service with the report on).

                The knowledge base is Banking77 (Casanueva et al. 2020, CC BY 4.0): %d intents as articles, their training
                questions as example questions; %d intents drawn with seed %d are held out as questions the bot cannot
                answer (%s). Thresholds were calibrated on the training questions alone (every fifth question asked, the
                known intents in %d folds each left out in turn as unanswerable); the test questions were never seen.
                Targets from the issue: at least 90 %% of answerable questions answered correctly, at least 80 %% of
                unanswerable ones handed over.

                ### At the shipped thresholds, on the 3,080 test questions

                %s
                %s
                %s

                Top-1 accuracy (%.1f %%) meets the 90 %% target. At the shipped thresholds %.1f %% of answerable questions
                reach their article (%.1f %% answered directly, the rest among the choices offered), and %.1f %% of
                unanswerable ones are handed over: the two targets are **not** reached together. The held-out intents
                have close neighbours in the knowledge base (e.g. a failed top-up beside a reverted one), so the
                unanswerable test questions look more answerable than the folds used for calibration (%.1f %% handed
                over there).

                ### Trade-off curve: for each level of handing over, the most answerable questions brought to their article

                %s
                """, BenchmarkReport.machine(), evaluation.knownCategories().size(), HELD_OUT, SEED,
                String.join(", ", evaluation.heldOutCategories()), FOLDS, Calibration.TABLE_HEADER,
                Calibration.row("shipped, " + SentenceModel.NAME, Calibration.evaluate(shipped, test)),
                Calibration.row("shipped, keywords only", Calibration.evaluate(keywords, test)),
                100 * Calibration.evaluate(shipped, test).top1Share(), 100 * Calibration.evaluate(shipped, test).correctShare(),
                100 * Calibration.evaluate(shipped, test).answeredRightShare(), 100 * Calibration.evaluate(shipped, test).escalationShare(),
                100 * Calibration.choose(sweep, 0.9, 0.8).escalationShare(), curve));
    }

    private static AnswerPolicy configured(String model) {
        String prefix = "rapport.chat.answer-policy." + model + ".";
        return new AnswerPolicy(number(prefix + "keyword-weight"), number(prefix + "answer-score"), number(prefix + "answer-margin"),
                number(prefix + "clarify-score"), 3);
    }

    private static double number(String key) {
        String value = config.getProperty(key);
        return value == null ? Double.NaN : Double.parseDouble(value);
    }
}
