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
     * The calibrated answer policy per sentence model, and under {@code keywords} the one for languages the model
     * does not cover. Calibrated by Banking77QualityTest, which fails when these drift from what calibration picks.
     */
    Map<String, Policy> answerPolicy();

    interface Policy {
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
}
