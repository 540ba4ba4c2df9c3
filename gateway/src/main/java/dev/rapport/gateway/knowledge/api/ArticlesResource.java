package dev.rapport.gateway.knowledge.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.knowledge.KnowledgeOperations;
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
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.KnowledgeBase; bodies are the same messages in protobuf JSON, imports also CSV. */
@Path("/api/v1/articles")
@Produces(MediaType.APPLICATION_JSON)
public class ArticlesResource {
    private final KnowledgeOperations knowledge;

    ArticlesResource(KnowledgeOperations knowledge) {
        this.knowledge = knowledge;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "agent", "admin" })
    @Operation(summary = "Add an article (Article JSON: language, key, title, body, exampleQuestions); Idempotency-Key makes a retry answer the first")
    public Uni<Article> create(Article article, @HeaderParam("Idempotency-Key") @DefaultValue("") String idempotencyKey) {
        return knowledge.create(CreateArticleRequest.newBuilder().setArticle(InvalidInput.body(article, "an Article"))
                .setRequestId(idempotencyKey).build());
    }

    @GET
    @RolesAllowed({ "partner", "agent", "admin" })
    @Operation(summary = "Articles, newest first, optionally of one language; follow nextPageToken for more")
    public Uni<ListArticlesResponse> list(@QueryParam("language") @DefaultValue("") String language,
            @QueryParam("page_size") @DefaultValue("0") int pageSize, @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return knowledge.list(ListArticlesRequest.newBuilder().setLanguage(language).setPageSize(pageSize).setPageToken(pageToken).build());
    }

    @GET
    @Path("search")
    @RolesAllowed({ "customer", "partner", "agent", "admin" })
    @Operation(summary = "The best articles for a question (typing=true while it is being typed) and the bot's decision: ANSWER, CLARIFY or ESCALATE")
    public Uni<SearchArticlesResponse> search(@QueryParam("q") @DefaultValue("") String text,
            @QueryParam("language") @DefaultValue("") String language, @QueryParam("typing") @DefaultValue("false") boolean typing,
            @QueryParam("limit") @DefaultValue("0") int limit) {
        return knowledge.search(SearchArticlesRequest.newBuilder().setText(text).setLanguage(language).setTyping(typing)
                .setLimit(limit).build());
    }

    @GET
    @Path("{articleId}")
    @RolesAllowed({ "partner", "agent", "admin" })
    @Operation(summary = "An article")
    public Uni<Article> get(@PathParam("articleId") String articleId) {
        return knowledge.get(GetArticleRequest.newBuilder().setId(articleId).build());
    }

    @PUT
    @Path("{articleId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "agent", "admin" })
    @Operation(summary = "Replace an article (Article JSON); with version set, an edit based on an older version is refused (409)")
    public Uni<Article> update(@PathParam("articleId") String articleId, Article article) {
        return knowledge.update(UpdateArticleRequest.newBuilder()
                .setArticle(InvalidInput.body(article, "an Article").toBuilder().setId(articleId)).build());
    }

    @DELETE
    @Path("{articleId}")
    @RolesAllowed({ "agent", "admin" })
    @Operation(summary = "Remove an article; the bot stops offering it within seconds")
    public Uni<Void> delete(@PathParam("articleId") String articleId) {
        return knowledge.delete(DeleteArticleRequest.newBuilder().setId(articleId).build()).replaceWithVoid();
    }

    @POST
    @Path("import")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "agent", "admin" })
    @Operation(summary = "Create or replace up to 200 articles (2,000 titles and questions) at once, matched by key and language: all of them, or none ({\"articles\": [...]})")
    public Uni<ImportArticlesResponse> importJson(ImportArticlesRequest request) {
        return knowledge.importAll(InvalidInput.body(request, "an ImportArticlesRequest"));
    }

    @POST
    @Path("import")
    @Consumes("text/csv")
    @RolesAllowed({ "agent", "admin" })
    @Operation(summary = "The same import as CSV: header key,language,title,body,example_questions; questions one per line inside their quoted field")
    public Uni<ImportArticlesResponse> importCsv(String csv) {
        return knowledge.importAll(KnowledgeOperations.fromCsv(csv == null ? "" : csv));
    }
}
