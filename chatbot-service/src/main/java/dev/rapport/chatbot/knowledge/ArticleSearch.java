package dev.rapport.chatbot.knowledge;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.jboss.logging.Logger;

import dev.rapport.chatbot.knowledge.retrieval.AnswerPolicy;
import dev.rapport.chatbot.knowledge.retrieval.ArticleIndex;
import dev.rapport.chatbot.knowledge.retrieval.SentenceModel;
import dev.rapport.proto.chat.v1.ArticleMatch;
import dev.rapport.proto.chat.v1.SearchArticlesResponse;
import dev.rapport.proto.chat.v1.SearchArticlesResponse.Decision;
import dev.rapport.runtime.error.InvalidInput;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Row;

/**
 * The knowledge base as the bot searches it: an in-memory {@link ArticleIndex} rebuilt whenever the knowledge
 * revision changes (checked every two seconds, so edits on any replica reach every replica), and the calibrated
 * {@link AnswerPolicy} per model.
 */
@ApplicationScoped
public class ArticleSearch {
    private static final Logger LOG = Logger.getLogger(ArticleSearch.class);
    public static final String KEYWORDS = "keywords";
    public static final int MAX_TEXT = 1_000;

    private final KnowledgeBase knowledge;
    private final SentenceModel model;
    private final KnowledgeConfig config;
    private final AtomicLong loadedRevision = new AtomicLong(-1);
    private volatile ArticleIndex index = ArticleIndex.of(List.of());

    ArticleSearch(KnowledgeBase knowledge, SentenceModel model, KnowledgeConfig config) {
        this.knowledge = knowledge;
        this.model = model;
        this.config = config;
        config.policyFor(model.name(), 0);
        config.policyFor(KEYWORDS, 0);
    }

    /** One model per process: it holds about 25 MB and its native tokenizer. */
    static class ModelProducer {
        @Produces
        @Singleton
        SentenceModel model() {
            return new SentenceModel();
        }
    }

    void onStart(@Observes StartupEvent start) {
        refresh().await().indefinitely();
    }

    /** Whether the index holds the knowledge base as it was when this process last looked. */
    public boolean loaded() {
        return loadedRevision.get() >= 0;
    }

    @Scheduled(every = "2s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> refresh() {
        return knowledge.revision().flatMap(revision -> revision == loadedRevision.get() ? Uni.createFrom().voidItem()
                : knowledge.all()
                        .emitOn(Infrastructure.getDefaultWorkerPool())
                        .map(this::build)
                        .invoke(built -> {
                            index = built;
                            loadedRevision.set(revision);
                            LOG.infof("knowledge index at revision %d: languages %s", revision, built.languages());
                        })
                        .replaceWithVoid());
    }

    private ArticleIndex build(List<Row> rows) {
        List<ArticleIndex.Entry> entries = new ArrayList<>(rows.size());
        for (Row row : rows) {
            String language = row.getString("language");
            List<String> texts = KnowledgeBase.searchTexts(row.getString("title"), List.of(row.getArrayOfStrings("example_questions")));
            List<float[]> vectors = List.of();
            if (model.covers(language)) {
                vectors = model.name().equals(row.getString("vector_model")) && row.getBuffer("vectors") != null
                        ? KnowledgeBase.unpack(row.getBuffer("vectors").getBytes(), model.dimensions())
                        : model.embedAll(texts);
            }
            entries.add(new ArticleIndex.Entry(row.getUUID("id").toString(), language, row.getString("title"), texts, vectors));
        }
        return ArticleIndex.of(entries);
    }

    /** The best articles for a question and what the policy would do; the embedding runs on a worker thread. */
    public Uni<SearchArticlesResponse> search(String text, String language, boolean typing, int limit) {
        if (text.isBlank() || text.length() > MAX_TEXT) {
            throw new InvalidInput("text", "required, at most " + MAX_TEXT + " characters");
        }
        if (!language.isEmpty() && !KnowledgeBase.isLanguageTag(language)) {
            throw new InvalidInput("language", "a BCP 47 language tag such as en, ko or es-MX");
        }
        if (limit < 0 || limit > 10) {
            throw new InvalidInput("limit", "between 1 and 10");
        }
        ArticleIndex current = index;
        return Uni.createFrom().item(() -> search(current, model, config::policyFor, config.fallbackLanguage(), text,
                language.isEmpty() ? "" : KnowledgeBase.canonical(language), typing, limit == 0 ? 3 : limit))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** The calibrated policy for a model at a number of example questions per article. */
    public interface Policies {
        AnswerPolicy policyFor(String model, int examplesPerArticle);
    }

    /**
     * One search of an index: the shelf for the customer's language, the model's policy for it (keywords alone where
     * the model does not cover the language), the best {@code limit} articles and the policy's decision.
     */
    public static SearchArticlesResponse search(ArticleIndex index, SentenceModel model, Policies policies,
            String fallbackLanguage, String text, String language, boolean typing, int limit) {
        String shelf = index.shelfFor(language.isEmpty() ? fallbackLanguage : language, fallbackLanguage);
        SearchArticlesResponse.Builder response = SearchArticlesResponse.newBuilder();
        if (shelf == null) {
            return response.setDecision(Decision.ESCALATE).setModel(KEYWORDS).build();
        }
        boolean semantic = model.covers(shelf);
        AnswerPolicy policy = policies.policyFor(semantic ? model.name() : KEYWORDS, index.examplesPerArticle(shelf));
        List<ArticleIndex.Candidate> ranked = index.search(shelf, text, semantic ? model.embed(text) : null,
                policy.keywordWeight(), typing, Math.max(limit, policy.choices()));
        response.setLanguage(shelf).setModel(semantic ? model.name() : KEYWORDS);
        response.setDecision(switch (policy.decide(ranked)) {
            case AnswerPolicy.Answer a -> Decision.ANSWER;
            case AnswerPolicy.Clarify c -> Decision.CLARIFY;
            case AnswerPolicy.Escalate e -> Decision.ESCALATE;
        });
        ranked.stream().limit(limit).forEach(c -> response.addMatches(ArticleMatch.newBuilder()
                .setArticleId(c.articleId()).setTitle(c.title()).setScore(c.score(policy.keywordWeight()))
                .setSemanticScore(c.semantic()).setKeywordScore(c.keyword())));
        return response.build();
    }
}
