package dev.rapport.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * For the gateway's {@code @QuarkusTest}: the real PostgreSQL, the real Kafka (the consent ledger publishes on it)
 * and the real Keycloak with the rapport realm.
 */
public class PostgresKafkaAndKeycloak implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        LocalStack.ensure(LocalStack.Part.POSTGRES, LocalStack.Part.KAFKA, LocalStack.Part.KEYCLOAK);
        return Map.of("quarkus.oidc.auth-server-url", LocalStack.KEYCLOAK_URL + "/realms/rapport",
                "kafka.bootstrap.servers", LocalStack.KAFKA_BOOTSTRAP);
    }

    @Override
    public void stop() {
        // Shared by every test class and module: left running, stopped by `make test` or `make stop`.
    }
}
