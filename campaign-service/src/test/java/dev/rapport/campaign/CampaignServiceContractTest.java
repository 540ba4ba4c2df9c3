package dev.rapport.campaign;

import java.util.List;

import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.ServiceContractTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class) // the same resources as every test class here: one app, started once
class CampaignServiceContractTest extends ServiceContractTest {
    @Override
    protected List<String> grpcServices() {
        return List.of("rapport.campaign.v1.CampaignService");
    }
}
