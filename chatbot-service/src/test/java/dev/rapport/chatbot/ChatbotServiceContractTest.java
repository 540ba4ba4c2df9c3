package dev.rapport.chatbot;

import java.util.List;

import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.ServiceContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class ChatbotServiceContractTest extends ServiceContractTest {
    @Override
    protected List<String> grpcServices() {
        return List.of("rapport.chat.v1.ChatService");
    }
}
