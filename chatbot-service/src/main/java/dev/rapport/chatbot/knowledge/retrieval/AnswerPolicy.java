package dev.rapport.chatbot.knowledge.retrieval;

import java.util.List;

/**
 * What the bot does with a ranked list of articles: answer with the best when it is clearly good, offer a few
 * choices when several are plausible, or hand over when nothing is good enough. The thresholds are calibrated on
 * labelled questions ({@link Calibration}) and live in configuration per model.
 *
 * @param keywordWeight how much the keyword score counts against the semantic one (0..1)
 * @param answerScore the best article's score needed to answer with it
 * @param answerMargin how far ahead of the second article the best must be to answer
 * @param clarifyScore the best article's score needed to offer choices instead of handing over
 * @param choices how many articles a clarifying question offers (2 or 3)
 */
public record AnswerPolicy(double keywordWeight, double answerScore, double answerMargin, double clarifyScore, int choices) {

    public sealed interface Decision {
    }

    public record Answer(ArticleIndex.Candidate article) implements Decision {
    }

    public record Clarify(List<ArticleIndex.Candidate> choices) implements Decision {
    }

    public record Escalate() implements Decision {
    }

    /** A policy calibrated for a model (or "keywords") at a number of example questions per article. */
    public record Calibrated(String model, int examplesPerArticle, AnswerPolicy policy) {
    }

    /** The model's policy calibrated nearest the given number of example questions per article. */
    public static AnswerPolicy nearest(java.util.Collection<Calibrated> calibrated, String model, int examplesPerArticle) {
        return calibrated.stream().filter(c -> c.model().equals(model))
                .min(java.util.Comparator.comparingInt(c -> Math.abs(c.examplesPerArticle() - examplesPerArticle)))
                .map(Calibrated::policy)
                .orElseThrow(() -> new IllegalStateException("no answer policy for the model " + model));
    }

    public Decision decide(List<ArticleIndex.Candidate> ranked) {
        if (ranked.isEmpty()) {
            return new Escalate();
        }
        double best = ranked.get(0).score(keywordWeight);
        double second = ranked.size() > 1 ? ranked.get(1).score(keywordWeight) : 0;
        if (best >= answerScore && best - second >= answerMargin) {
            return new Answer(ranked.get(0));
        }
        if (best >= clarifyScore) {
            return new Clarify(ranked.stream().limit(choices).filter(c -> c.score(keywordWeight) >= clarifyScore).toList());
        }
        return new Escalate();
    }
}
