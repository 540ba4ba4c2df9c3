package dev.rapport.chatbot.knowledge.retrieval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Chooses an {@link AnswerPolicy} from labelled questions: some the knowledge base answers (their right article is
 * known), some it cannot. Every policy on a grid is tried; the report is the trade-off between questions answered
 * correctly and unanswerable questions handed over.
 */
public final class Calibration {
    private Calibration() {
    }

    /** A labelled question and its shelf's candidates; {@code expected} is null for a question nothing answers. */
    public record Observation(String expected, List<ArticleIndex.Candidate> candidates) {
    }

    /** How a policy did on the observations. */
    public record Outcome(AnswerPolicy policy, int answerable, int top1Right, int answeredRight, int clarifiedRight,
            int answeredWrong, int escalatedAnswerable, int unanswerable, int escalatedUnanswerable,
            int answeredUnanswerable) {

        /** Answerable questions that got their article: answered with it, or offered it among the choices. */
        public double correctShare() {
            return share(answeredRight + clarifiedRight, answerable);
        }

        public double answeredRightShare() {
            return share(answeredRight, answerable);
        }

        public double top1Share() {
            return share(top1Right, answerable);
        }

        public double answeredWrongShare() {
            return share(answeredWrong, answerable);
        }

        public double escalationShare() {
            return share(escalatedUnanswerable, unanswerable);
        }

        private static double share(int part, int whole) {
            return whole == 0 ? 0 : (double) part / whole;
        }
    }

    public static Outcome evaluate(AnswerPolicy policy, List<Observation> observations) {
        int answerable = 0, top1 = 0, answeredRight = 0, clarifiedRight = 0, answeredWrong = 0, escalatedAnswerable = 0;
        int unanswerable = 0, escalatedUnanswerable = 0, answeredUnanswerable = 0;
        for (Observation o : observations) {
            List<ArticleIndex.Candidate> ranked = o.candidates().stream()
                    .sorted(Comparator.comparingDouble((ArticleIndex.Candidate c) -> c.score(policy.keywordWeight())).reversed())
                    .limit(Math.max(2, policy.choices()))
                    .toList();
            AnswerPolicy.Decision decision = policy.decide(ranked);
            if (o.expected() == null) {
                unanswerable++;
                switch (decision) {
                    case AnswerPolicy.Escalate e -> escalatedUnanswerable++;
                    case AnswerPolicy.Answer a -> answeredUnanswerable++;
                    case AnswerPolicy.Clarify c -> { }
                }
                continue;
            }
            answerable++;
            if (!ranked.isEmpty() && ranked.get(0).articleId().equals(o.expected())) {
                top1++;
            }
            switch (decision) {
                case AnswerPolicy.Answer a -> {
                    if (a.article().articleId().equals(o.expected())) {
                        answeredRight++;
                    } else {
                        answeredWrong++;
                    }
                }
                case AnswerPolicy.Clarify c -> {
                    if (c.choices().stream().anyMatch(x -> x.articleId().equals(o.expected()))) {
                        clarifiedRight++;
                    }
                }
                case AnswerPolicy.Escalate e -> escalatedAnswerable++;
            }
        }
        return new Outcome(policy, answerable, top1, answeredRight, clarifiedRight, answeredWrong, escalatedAnswerable,
                unanswerable, escalatedUnanswerable, answeredUnanswerable);
    }

    /** Every policy of the grid, evaluated. */
    public static List<Outcome> sweep(List<Observation> observations, List<Double> keywordWeights, int choices) {
        List<Outcome> outcomes = new ArrayList<>();
        for (double w : keywordWeights) {
            List<Observation> ranked = observations.stream().map(o -> new Observation(o.expected(), o.candidates().stream()
                    .sorted(Comparator.comparingDouble((ArticleIndex.Candidate c) -> c.score(w)).reversed())
                    .limit(Math.max(2, choices)).toList())).toList();
            for (int a = 20; a <= 100; a += 2) {
                for (double margin : List.of(0.0, 0.02, 0.04, 0.06, 0.1, 0.15)) {
                    for (int c = 20; c <= a; c += 2) {
                        outcomes.add(evaluate(new AnswerPolicy(w, a / 100.0, margin, c / 100.0, choices), ranked));
                    }
                }
            }
        }
        return outcomes;
    }

    /**
     * The policy to ship: among those that hand over at least {@code minEscalation} of unanswerable questions and
     * bring at least {@code minCorrect} of answerable ones to their article, the one that answers most directly
     * (fewest clarifying questions), then with the fewest wrong answers. When none reaches both, the one with the
     * most correct outcomes among those that still hand over enough.
     */
    public static Outcome choose(List<Outcome> outcomes, double minCorrect, double minEscalation) {
        Comparator<Outcome> direct = Comparator.comparingInt(Outcome::answeredRight)
                .thenComparing(Comparator.comparingInt(Outcome::answeredWrong).reversed());
        return outcomes.stream()
                .filter(o -> o.escalationShare() >= minEscalation && o.correctShare() >= minCorrect)
                .max(direct)
                .orElseGet(() -> outcomes.stream()
                        .filter(o -> o.escalationShare() >= minEscalation)
                        .max(Comparator.comparingDouble(Outcome::correctShare).thenComparing(direct))
                        .orElseThrow());
    }

    /**
     * The trade-off curve: for each level of handing over unanswerable questions (in steps of 5 %), the most
     * answerable questions brought to their article.
     */
    public static List<Outcome> curve(List<Outcome> outcomes) {
        List<Outcome> curve = new ArrayList<>();
        for (int level = 50; level <= 100; level += 5) {
            double floor = level / 100.0;
            outcomes.stream().filter(o -> o.escalationShare() >= floor)
                    .max(Comparator.comparingDouble(Outcome::correctShare).thenComparingInt(Outcome::answeredRight))
                    .filter(best -> curve.isEmpty() || !curve.get(curve.size() - 1).policy().equals(best.policy()))
                    .ifPresent(curve::add);
        }
        return curve;
    }

    /** The outcome as one row of a Markdown table (see {@link #TABLE_HEADER}). */
    public static String row(String label, Outcome o) {
        AnswerPolicy p = o.policy();
        return String.format(java.util.Locale.ROOT, "| %s | %.2f / %.2f / %.2f / %.2f | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% | %.1f %% |",
                label, p.keywordWeight(), p.answerScore(), p.answerMargin(), p.clarifyScore(), 100 * o.top1Share(),
                100 * o.correctShare(), 100 * o.answeredRightShare(), 100.0 * o.clarifiedRight() / Math.max(1, o.answerable()),
                100 * o.answeredWrongShare(), 100 * o.escalationShare());
    }

    public static final String TABLE_HEADER = """
            | | keyword weight / answer / margin / clarify | top-1 | answerable brought to their article | answered directly | by a choice | answered wrongly | unanswerable handed over |
            |---|---|---|---|---|---|---|---|""";
}
