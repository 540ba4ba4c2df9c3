package dev.rapport.campaign;

import java.util.List;

import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.ServiceContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class CampaignServiceContractTest extends ServiceContractTest {
    @Override
    protected List<String> grpcServices() {
        return List.of("rapport.campaign.v1.CampaignService");
    }
}
