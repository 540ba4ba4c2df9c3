package dev.rapport.segment;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.privacy.ConsentView;
import dev.rapport.proto.privacy.v1.ConsentState;
import dev.rapport.proto.privacy.v1.PurposeConsent;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.LocalStack;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestTopics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/** The shared consent view (libs/privacy) follows the compacted topic inside a running service. */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileSchemaStandIn.class)
class ConsentViewTest {
    private static final String MARKETING = "marketing.communications";

    @Inject
    ConsentView consent;

    private final KafkaCompanion kafka = new KafkaCompanion(LocalStack.KAFKA_BOOTSTRAP);

    @AfterEach
    void close() {
        kafka.close();
    }

    @Test
    void aGrantThenAWithdrawalThenAnErasureReachTheService() throws InvalidProtocolBufferException {
        String subject = UUID.randomUUID().toString();

        publish(subject, state(subject, 1, true));
        await().atMost(Duration.ofSeconds(20)).until(() -> consent.decision(subject, MARKETING, "email").equals(Optional.of(true)));

        publish(subject, state(subject, 2, false));
        await().atMost(Duration.ofSeconds(20)).until(() -> consent.decision(subject, MARKETING, "email").equals(Optional.of(false)));

        publish(subject, null);
        await().atMost(Duration.ofSeconds(20)).until(() -> consent.decision(subject, MARKETING, "email").isEmpty());
    }

    private void publish(String subject, String value) {
        kafka.produceStrings().fromRecords(KafkaCompanion.record(TestTopics.of(Topics.PRIVACY_CONSENT), subject, value)).awaitCompletion();
    }

    private static String state(String subject, long version, boolean granted) throws InvalidProtocolBufferException {
        return JsonFormat.printer().print(ConsentState.newBuilder().setSubject(subject).setVersion(version)
                .addPurposes(PurposeConsent.newBuilder().setPurpose(MARKETING).setGranted(granted).setMethod("api"))
                .build());
    }
}
