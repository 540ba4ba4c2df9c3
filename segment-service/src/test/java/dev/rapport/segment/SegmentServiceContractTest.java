package dev.rapport.segment;

import java.util.List;

import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.ServiceContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileSchemaStandIn.class)
class SegmentServiceContractTest extends ServiceContractTest {
    @Override
    protected List<String> grpcServices() {
        return List.of("rapport.segment.v1.SegmentService");
    }
}
