package dev.rapport.gateway.profiles.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.profiles.AttributeDefinitions;
import dev.rapport.proto.api.v1.AttributeSchema;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.CreateAttributeDefinitionRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.AttributeSchema. */
@GrpcService
public class AttributeSchemaGrpc implements AttributeSchema {
    private final AttributeDefinitions definitions;

    AttributeSchemaGrpc(AttributeDefinitions definitions) {
        this.definitions = definitions;
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<AttributeDefinition> createAttributeDefinition(CreateAttributeDefinitionRequest request) {
        return definitions.create(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    public Uni<ListAttributeDefinitionsResponse> listAttributeDefinitions(ListAttributeDefinitionsRequest request) {
        return definitions.list(request);
    }
}
