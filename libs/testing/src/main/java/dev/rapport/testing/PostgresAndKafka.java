package dev.rapport.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A service's {@code @QuarkusTest} runs against the real PostgreSQL and Kafka: started once if nothing answers.
 * The service's test profile points at the test database ({@code rapport_test}) and its own schema.
 */
public class PostgresAndKafka implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        LocalStack.ensure(LocalStack.Part.POSTGRES, LocalStack.Part.KAFKA);
        return Map.of("kafka.bootstrap.servers", LocalStack.KAFKA_BOOTSTRAP);
    }

    @Override
    public void stop() {
        // Shared by every test class and module: left running, stopped by `make test` or `make stop`.
    }
}
