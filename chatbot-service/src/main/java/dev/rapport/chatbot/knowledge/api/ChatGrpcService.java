package dev.rapport.chatbot.knowledge.api;

import dev.rapport.chatbot.knowledge.KnowledgeBase;
import dev.rapport.proto.chat.v1.Article;
import dev.rapport.proto.chat.v1.ChatService;
import dev.rapport.proto.chat.v1.CreateArticleRequest;
import dev.rapport.proto.chat.v1.GetArticleRequest;
import dev.rapport.runtime.Ids;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of chatbot-service (rapport.chat.v1.ChatService). */
@GrpcService
public class ChatGrpcService implements ChatService {
    private final KnowledgeBase knowledge;

    ChatGrpcService(KnowledgeBase knowledge) {
        this.knowledge = knowledge;
    }

    @Override
    public Uni<Article> createArticle(CreateArticleRequest request) {
        return Uni.createFrom().deferred(() -> knowledge.create(request.getArticle(), request.getRequestId()));
    }

    @Override
    public Uni<Article> getArticle(GetArticleRequest request) {
        return Uni.createFrom().deferred(() -> knowledge.get(Ids.uuid("id", request.getId(), "an article id")));
    }
}
