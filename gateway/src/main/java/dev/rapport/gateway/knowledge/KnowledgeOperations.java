package dev.rapport.gateway.knowledge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Empty;

import dev.rapport.proto.chat.v1.Article;
import dev.rapport.proto.chat.v1.ChatService;
import dev.rapport.proto.chat.v1.CreateArticleRequest;
import dev.rapport.proto.chat.v1.DeleteArticleRequest;
import dev.rapport.proto.chat.v1.GetArticleRequest;
import dev.rapport.proto.chat.v1.ImportArticlesRequest;
import dev.rapport.proto.chat.v1.ImportArticlesResponse;
import dev.rapport.proto.chat.v1.ListArticlesRequest;
import dev.rapport.proto.chat.v1.ListArticlesResponse;
import dev.rapport.proto.chat.v1.SearchArticlesRequest;
import dev.rapport.proto.chat.v1.SearchArticlesResponse;
import dev.rapport.proto.chat.v1.UpdateArticleRequest;
import dev.rapport.runtime.Csv;
import dev.rapport.runtime.error.InvalidInput;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/**
 * The knowledge base, passed to chatbot-service. Articles are help-centre content, not anyone's personal data; a
 * search carries what a customer typed, which is passed on and never stored or logged here.
 */
@ApplicationScoped
public class KnowledgeOperations {
    /**
     * The columns of an article import in CSV; example questions go one per line inside their field. A last column
     * {@code topic} (what the article is about, e.g. billing: hand-overs after it go to that topic's team) is optional.
     */
    public static final List<String> CSV_COLUMNS = List.of("key", "language", "title", "body", "example_questions");
    private static final String TOPIC_COLUMN = "topic";

    private final ChatService chat;

    KnowledgeOperations(@GrpcClient("chat") ChatService chat) {
        this.chat = chat;
    }

    public Uni<Article> create(CreateArticleRequest request) {
        return chat.createArticle(request);
    }

    public Uni<Article> get(GetArticleRequest request) {
        return chat.getArticle(request);
    }

    public Uni<Article> update(UpdateArticleRequest request) {
        return chat.updateArticle(request);
    }

    public Uni<Empty> delete(DeleteArticleRequest request) {
        return chat.deleteArticle(request);
    }

    public Uni<ListArticlesResponse> list(ListArticlesRequest request) {
        return chat.listArticles(request);
    }

    public Uni<ImportArticlesResponse> importAll(ImportArticlesRequest request) {
        return chat.importArticles(request);
    }

    public Uni<SearchArticlesResponse> search(SearchArticlesRequest request) {
        return chat.searchArticles(request);
    }

    /** An import written as CSV (header {@link #CSV_COLUMNS}); articles[i] in errors is the (i+1)-th article row. */
    public static ImportArticlesRequest fromCsv(String csv) {
        List<List<String>> rows;
        try {
            rows = Csv.parse(csv);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("csv", e.getMessage());
        }
        List<String> header = rows.isEmpty() ? List.of() : rows.get(0).stream().map(String::strip).toList();
        boolean topics = header.size() == CSV_COLUMNS.size() + 1 && header.get(CSV_COLUMNS.size()).equals(TOPIC_COLUMN);
        if (!header.subList(0, Math.min(header.size(), CSV_COLUMNS.size())).equals(CSV_COLUMNS) || header.size() != CSV_COLUMNS.size() && !topics) {
            throw new InvalidInput("csv", "the first line must be the header " + String.join(",", CSV_COLUMNS) + " (and optionally ," + TOPIC_COLUMN + ")");
        }
        List<InvalidInput.Violation> violations = new ArrayList<>();
        ImportArticlesRequest.Builder request = ImportArticlesRequest.newBuilder();
        for (int i = 1; i < rows.size(); i++) {
            List<String> row = rows.get(i);
            if (row.size() != header.size()) {
                violations.add(new InvalidInput.Violation("articles[" + (i - 1) + "]",
                        "article row " + i + " has " + row.size() + " fields, not " + header.size()));
                continue;
            }
            request.addArticles(Article.newBuilder().setKey(row.get(0).strip()).setLanguage(row.get(1).strip())
                    .setTitle(row.get(2)).setBody(row.get(3))
                    .addAllExampleQuestions(Arrays.stream(row.get(4).split("\\R")).map(String::strip).filter(q -> !q.isEmpty()).toList())
                    .setTopic(topics ? row.get(5).strip() : ""));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        return request.build();
    }
}
