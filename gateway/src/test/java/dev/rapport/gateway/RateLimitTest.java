package dev.rapport.gateway;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.rapport.proto.api.v1.ProfilesGrpc;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.testing.PostgresKafkaAndKeycloak;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.Tokens;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** Each client has its own budget of requests, REST and gRPC alike; one client over it does not slow another. */
@QuarkusTest
@TestProfile(RateLimitTest.Tight.class)
@WithTestResource(PostgresKafkaAndKeycloak.class)
class RateLimitTest {
    /** Three requests at once, then one every ten seconds: enough to see the limit, never reached by chance. */
    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("rapport.limits.rate", "0.1", "rapport.limits.burst", "3");
        }
    }

    @Test
    void aClientOverItsBudgetIsToldToRetryLaterAndOthersAreNot() throws Exception {
        String partner = Tokens.partner();
        for (int i = 0; i < 3; i++) {
            given().auth().oauth2(partner).get("/api/v1/segments").then().statusCode(org.hamcrest.Matchers.not(429));
        }
        given().auth().oauth2(partner).get("/api/v1/segments").then().statusCode(429).contentType("application/problem+json")
                .header("Retry-After", org.hamcrest.Matchers.matchesPattern("10|9|8")).body("title", equalTo("Too many requests"));

        // the same client over gRPC shares the budget
        ManagedChannel channel = TestChannels.toServiceUnderTest();
        try {
            Metadata headers = new Metadata();
            headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + partner);
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> ProfilesGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                    .getProfile(GetProfileRequest.newBuilder().setProfileId("00000000-0000-0000-0000-000000000000").build()));
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
        } finally {
            TestChannels.close(channel);
        }

        // another person has a budget of their own
        given().auth().oauth2(Tokens.person("demo-marketer")).get("/api/v1/segments").then().statusCode(org.hamcrest.Matchers.not(429));
    }
}
