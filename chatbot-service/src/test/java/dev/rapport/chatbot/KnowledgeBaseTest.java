package dev.rapport.chatbot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.rpc.BadRequest;

import dev.rapport.proto.chat.v1.Article;
import dev.rapport.proto.chat.v1.CreateArticleRequest;
import dev.rapport.proto.chat.v1.GetArticleRequest;
import dev.rapport.testing.PostgresAndKafka;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class KnowledgeBaseTest extends CallsChatService {

    @Test
    void anArticleCreatedTwiceWithOneRequestIdExistsOnce() {
        String requestId = UUID.randomUUID().toString();
        Article article = Article.newBuilder().setLanguage("ko").setTitle("배달 지연").setBody("주문이 늦어지면 앱에서 확인하세요.")
                .addExampleQuestions("제 주문이 어디 있나요?").build();

        Article first = chat.createArticle(CreateArticleRequest.newBuilder().setArticle(article).setRequestId(requestId).build());
        Article again = chat.createArticle(CreateArticleRequest.newBuilder().setArticle(article).setRequestId(requestId).build());

        assertEquals(first.getId(), again.getId());
        Article stored = chat.getArticle(GetArticleRequest.newBuilder().setId(first.getId()).build());
        assertEquals("배달 지연", stored.getTitle());
        assertEquals(List.of("제 주문이 어디 있나요?"), stored.getExampleQuestionsList());
    }

    @Test
    void aBadArticleIsRefusedFieldByField() throws Exception {
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> chat.createArticle(
                CreateArticleRequest.newBuilder().setArticle(Article.newBuilder().setLanguage("not a language!").setBody("x")).build()));

        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        BadRequest details = StatusProto.fromThrowable(refused).getDetails(0).unpack(BadRequest.class);
        assertEquals(List.of("article.language", "article.title"),
                details.getFieldViolationsList().stream().map(BadRequest.FieldViolation::getField).toList());
    }

    @Test
    void anUnknownArticleIsNotFound() {
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class,
                () -> chat.getArticle(GetArticleRequest.newBuilder().setId(UUID.randomUUID().toString()).build())).getStatus().getCode());
    }
}
