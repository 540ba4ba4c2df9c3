package dev.rapport.segment;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.AttributeDefinition.Type;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsResponse;
import dev.rapport.proto.profile.v1.ProfileServiceGrpc;
import dev.rapport.segment.definition.DefinitionParser;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Stands in for profile-service's attribute schema (ListAttributeDefinitions only) in segment-service's own tests:
 * the standard attributes and a few custom ones. The e2e suite checks segments against the real profile-service.
 */
public class ProfileSchemaStandIn implements QuarkusTestResourceLifecycleManager {
    /** The attributes this stand-in declares, with the types profile-service gives them. */
    public static final Map<String, Type> ATTRIBUTES = Map.ofEntries(
            Map.entry("first_name", Type.STRING), Map.entry("last_name", Type.STRING), Map.entry("email", Type.STRING),
            Map.entry("phone", Type.STRING), Map.entry("language", Type.STRING), Map.entry("time_zone", Type.STRING),
            Map.entry("country", Type.STRING), Map.entry("region", Type.STRING), Map.entry("city", Type.STRING),
            Map.entry("location", Type.GEO_POINT), Map.entry("gender", Type.STRING), Map.entry("birth_date", Type.DATE),
            Map.entry("platform", Type.STRING), Map.entry("device", Type.STRING),
            // custom
            Map.entry("interests", Type.LIST), Map.entry("loyalty_points", Type.NUMBER), Map.entry("vip", Type.BOOLEAN),
            Map.entry("app_version", Type.STRING), Map.entry("signup_time", Type.DATETIME));

    /** Segment definitions read against these attributes, in euros, with these saved segments to refer to. */
    public static DefinitionParser.Context definitions(Map<UUID, JsonNode> saved) {
        return DefinitionParser.Context.of(ATTRIBUTES, id -> Optional.ofNullable(saved.get(id)), "EUR");
    }

    private Server server;

    @Override
    public Map<String, String> start() {
        try {
            server = ServerBuilder.forPort(0).addService(new ProfileServiceGrpc.ProfileServiceImplBase() {
                @Override
                public void listAttributeDefinitions(ListAttributeDefinitionsRequest request,
                        StreamObserver<ListAttributeDefinitionsResponse> answer) {
                    ListAttributeDefinitionsResponse.Builder response = ListAttributeDefinitionsResponse.newBuilder();
                    ATTRIBUTES.forEach((name, type) -> response.addDefinitions(AttributeDefinition.newBuilder().setName(name).setType(type)));
                    answer.onNext(response.build());
                    answer.onCompleted();
                }
            }).build().start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String port = String.valueOf(server.getPort());
        return Map.of("quarkus.grpc.clients.profile.port", port, "quarkus.grpc.clients.profile.test-port", port);
    }

    @Override
    public void stop() {
        if (server != null) {
            server.shutdownNow();
        }
    }
}
