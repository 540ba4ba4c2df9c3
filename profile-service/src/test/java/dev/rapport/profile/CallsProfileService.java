package dev.rapport.profile;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import dev.rapport.proto.profile.v1.ProfileServiceGrpc;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/** What a test of profile-service calls it with: its gRPC API on the test port, and the real Kafka. */
abstract class CallsProfileService {
    protected ManagedChannel channel;
    protected ProfileServiceGrpc.ProfileServiceBlockingStub profiles;
    protected final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);

    @BeforeEach
    void connect() {
        channel = TestChannels.toServiceUnderTest();
        profiles = ProfileServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
        kafka.close();
    }
}
