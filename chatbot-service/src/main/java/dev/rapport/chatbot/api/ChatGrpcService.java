package dev.rapport.chatbot.api;

import com.google.protobuf.Empty;

import dev.rapport.chatbot.conversation.AgentDesk;
import dev.rapport.chatbot.conversation.ConversationWatch;
import dev.rapport.chatbot.conversation.Conversations;
import dev.rapport.chatbot.knowledge.ArticleSearch;
import dev.rapport.chatbot.knowledge.KnowledgeBase;
import dev.rapport.proto.chat.v1.Article;
import dev.rapport.proto.chat.v1.ChatService;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ConversationTurn;
import dev.rapport.proto.chat.v1.CreateArticleRequest;
import dev.rapport.proto.chat.v1.AcceptConversationRequest;
import dev.rapport.proto.chat.v1.ChatMessage;
import dev.rapport.proto.chat.v1.ConversationUpdate;
import dev.rapport.proto.chat.v1.ExportConversationsRequest;
import dev.rapport.proto.chat.v1.GetConversationRequest;
import dev.rapport.proto.chat.v1.ListTeamsRequest;
import dev.rapport.proto.chat.v1.ListTeamsResponse;
import dev.rapport.proto.chat.v1.ListWaitingRequest;
import dev.rapport.proto.chat.v1.TransferConversationRequest;
import dev.rapport.proto.chat.v1.ListWaitingResponse;
import dev.rapport.proto.chat.v1.ResolveConversationRequest;
import dev.rapport.proto.chat.v1.SendAgentMessageRequest;
import dev.rapport.proto.chat.v1.WatchConversationRequest;
import dev.rapport.proto.chat.v1.RateConversationRequest;
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
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of chatbot-service (rapport.chat.v1.ChatService). */
@GrpcService
public class ChatGrpcService implements ChatService {
    private final KnowledgeBase knowledge;
    private final ArticleSearch search;
    private final Conversations conversations;
    private final AgentDesk desk;
    private final ConversationWatch watch;

    ChatGrpcService(KnowledgeBase knowledge, ArticleSearch search, Conversations conversations, AgentDesk desk, ConversationWatch watch) {
        this.knowledge = knowledge;
        this.search = search;
        this.conversations = conversations;
        this.desk = desk;
        this.watch = watch;
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

    @Override
    public Uni<Conversation> rateConversation(RateConversationRequest request) {
        return Uni.createFrom().deferred(() -> conversations.rate(request));
    }

    @Override
    public Uni<ListWaitingResponse> listWaiting(ListWaitingRequest request) {
        return Uni.createFrom().deferred(() -> desk.waiting(request));
    }

    @Override
    public Uni<ListTeamsResponse> listTeams(ListTeamsRequest request) {
        return Uni.createFrom().deferred(desk::teams);
    }

    @Override
    public Uni<Conversation> transferConversation(TransferConversationRequest request) {
        return Uni.createFrom().deferred(() -> desk.transfer(request));
    }

    @Override
    public Uni<Conversation> acceptConversation(AcceptConversationRequest request) {
        return Uni.createFrom().deferred(() -> desk.accept(request));
    }

    @Override
    public Uni<ChatMessage> sendAgentMessage(SendAgentMessageRequest request) {
        return Uni.createFrom().deferred(() -> desk.send(request));
    }

    @Override
    public Uni<Conversation> resolveConversation(ResolveConversationRequest request) {
        return Uni.createFrom().deferred(() -> desk.resolve(request));
    }

    @Override
    public Multi<ConversationUpdate> watchConversation(WatchConversationRequest request) {
        return Multi.createFrom().deferred(() -> watch.watch(Ids.uuid("conversation_id", request.getConversationId(), "a conversation id"),
                request.getAfterMessageId().isEmpty() ? null : Ids.uuid("after_message_id", request.getAfterMessageId(), "a message id")));
    }

    @Override
    public Multi<Conversation> exportConversations(ExportConversationsRequest request) {
        return Multi.createFrom().deferred(() -> conversations.export(new java.util.UUID[] { Ids.profile("profile_id", request.getProfileId()) },
                request.getVisitorIdsList()));
    }
}
