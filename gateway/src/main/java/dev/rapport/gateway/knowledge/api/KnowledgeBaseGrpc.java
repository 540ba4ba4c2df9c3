package dev.rapport.gateway.knowledge.api;

import jakarta.annotation.security.RolesAllowed;

import com.google.protobuf.Empty;

import dev.rapport.gateway.knowledge.KnowledgeOperations;
import dev.rapport.proto.api.v1.KnowledgeBase;
import dev.rapport.proto.chat.v1.Article;
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
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.KnowledgeBase. */
@GrpcService
public class KnowledgeBaseGrpc implements KnowledgeBase {
    private final KnowledgeOperations knowledge;

    KnowledgeBaseGrpc(KnowledgeOperations knowledge) {
        this.knowledge = knowledge;
    }

    @Override
    @RolesAllowed({ "agent", "admin" })
    public Uni<Article> createArticle(CreateArticleRequest request) {
        return knowledge.create(request);
    }

    @Override
    @RolesAllowed({ "partner", "agent", "admin" })
    public Uni<Article> getArticle(GetArticleRequest request) {
        return knowledge.get(request);
    }

    @Override
    @RolesAllowed({ "agent", "admin" })
    public Uni<Article> updateArticle(UpdateArticleRequest request) {
        return knowledge.update(request);
    }

    @Override
    @RolesAllowed({ "agent", "admin" })
    public Uni<Empty> deleteArticle(DeleteArticleRequest request) {
        return knowledge.delete(request);
    }

    @Override
    @RolesAllowed({ "partner", "agent", "admin" })
    public Uni<ListArticlesResponse> listArticles(ListArticlesRequest request) {
        return knowledge.list(request);
    }

    @Override
    @RolesAllowed({ "agent", "admin" })
    public Uni<ImportArticlesResponse> importArticles(ImportArticlesRequest request) {
        return knowledge.importAll(request);
    }

    @Override
    @RolesAllowed({ "customer", "partner", "agent", "admin" })
    public Uni<SearchArticlesResponse> searchArticles(SearchArticlesRequest request) {
        return knowledge.search(request);
    }
}
