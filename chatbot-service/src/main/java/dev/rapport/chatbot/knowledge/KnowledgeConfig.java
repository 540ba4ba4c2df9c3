package dev.rapport.chatbot.knowledge;

import java.util.Map;

import dev.rapport.chatbot.knowledge.retrieval.AnswerPolicy;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How the bot searches and when it answers. */
@ConfigMapping(prefix = "rapport.chat")
public interface KnowledgeConfig {
    /** The knowledge base's language for customers whose language it lacks. */
    @WithDefault("en")
    String fallbackLanguage();

    /**
     * The calibrated answer policies, by name: each for a sentence model (or {@code keywords}, for languages the
     * model does not cover) and a number of example questions per article, since scores rise as articles get more
     * examples. A shelf of articles uses its model's policy calibrated nearest its median. Calibrated by
     * Banking77QualityTest, which fails when these drift from what calibration picks.
     */
    Map<String, Policy> answerPolicy();

    interface Policy {
        String model();

        int examplesPerArticle();

        double keywordWeight();

        double answerScore();

        double answerMargin();

        double clarifyScore();

        @WithDefault("3")
        int choices();

        default AnswerPolicy toPolicy() {
            return new AnswerPolicy(keywordWeight(), answerScore(), answerMargin(), clarifyScore(), choices());
        }
    }

    /** The policy for a model at a number of example questions per article: the one calibrated nearest it. */
    default AnswerPolicy policyFor(String model, int examplesPerArticle) {
        return AnswerPolicy.nearest(answerPolicy().values().stream()
                .map(p -> new AnswerPolicy.Calibrated(p.model(), p.examplesPerArticle(), p.toPolicy())).toList(),
                model, examplesPerArticle);
    }
}
