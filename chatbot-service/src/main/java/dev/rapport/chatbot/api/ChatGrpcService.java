package dev.rapport.chatbot.api;

import com.google.protobuf.Empty;

import dev.rapport.chatbot.conversation.Conversations;
import dev.rapport.chatbot.knowledge.ArticleSearch;
import dev.rapport.chatbot.knowledge.KnowledgeBase;
import dev.rapport.proto.chat.v1.Article;
import dev.rapport.proto.chat.v1.ChatService;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.CreateArticleRequest;
import dev.rapport.proto.chat.v1.GetConversationRequest;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.proto.chat.v1.DeleteArticleRequest;
import dev.rapport.proto.chat.v1.GetArticleRequest;
import dev.rapport.proto.chat.v1.ImportArticlesRequest;
import dev.rapport.proto.chat.v1.ImportArticlesResponse;
import dev.rapport.proto.chat.v1.ListArticlesRequest;
import dev.rapport.proto.chat.v1.ListArticlesResponse;
import dev.rapport.proto.chat.v1.SearchArticlesRequest;
import dev.rapport.proto.chat.v1.SearchArticlesResponse;
import dev.rapport.proto.chat.v1.UpdateArticleRequest;
import dev.rapport.runtime.Ids;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of chatbot-service (rapport.chat.v1.ChatService). */
@GrpcService
public class ChatGrpcService implements ChatService {
    private final KnowledgeBase knowledge;
    private final ArticleSearch search;
    private final Conversations conversations;

    ChatGrpcService(KnowledgeBase knowledge, ArticleSearch search, Conversations conversations) {
        this.knowledge = knowledge;
        this.search = search;
        this.conversations = conversations;
    }

    @Override
    public Uni<Article> createArticle(CreateArticleRequest request) {
        return Uni.createFrom().deferred(() -> knowledge.create(request.getArticle(), request.getRequestId()));
    }

    @Override
    public Uni<Article> getArticle(GetArticleRequest request) {
        return Uni.createFrom().deferred(() -> knowledge.get(Ids.uuid("id", request.getId(), "an article id")));
    }

    @Override
    public Uni<Article> updateArticle(UpdateArticleRequest request) {
        return Uni.createFrom().deferred(() -> knowledge.update(
                Ids.uuid("article.id", request.getArticle().getId(), "an article id"), request.getArticle()));
    }

    @Override
    public Uni<Empty> deleteArticle(DeleteArticleRequest request) {
        return Uni.createFrom().deferred(() -> knowledge.delete(Ids.uuid("id", request.getId(), "an article id")))
                .replaceWith(Empty.getDefaultInstance());
    }

    @Override
    public Uni<ListArticlesResponse> listArticles(ListArticlesRequest request) {
        return Uni.createFrom().deferred(() -> knowledge.list(request.getLanguage(), request.getPageSize(), request.getPageToken()));
    }

    @Override
    public Uni<ImportArticlesResponse> importArticles(ImportArticlesRequest request) {
        return Uni.createFrom().deferred(() -> knowledge.importAll(request.getArticlesList()));
    }

    @Override
    public Uni<SearchArticlesResponse> searchArticles(SearchArticlesRequest request) {
        return Uni.createFrom().deferred(() -> search.search(request.getText(), request.getLanguage(), request.getTyping(),
                request.getLimit()));
    }

    @Override
    public Uni<ConversationTurn> startConversation(StartConversationRequest request) {
        return Uni.createFrom().deferred(() -> conversations.start(request));
    }

    @Override
    public Uni<ConversationTurn> sendMessage(SendMessageRequest request) {
        return Uni.createFrom().deferred(() -> conversations.send(request));
    }

    @Override
    public Uni<Conversation> getConversation(GetConversationRequest request) {
        return Uni.createFrom().deferred(() -> conversations.get(Ids.uuid("conversation_id", request.getConversationId(),
                "a conversation id")));
    }
}
