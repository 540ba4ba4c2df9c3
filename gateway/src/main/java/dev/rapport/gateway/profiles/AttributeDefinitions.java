package dev.rapport.gateway.profiles;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.CreateAttributeDefinitionRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsResponse;
import dev.rapport.proto.profile.v1.ProfileService;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/** The attribute schema, passed to profile-service. Not audited: a definition holds no one's personal data. */
@ApplicationScoped
public class AttributeDefinitions {
    private final ProfileService profiles;

    AttributeDefinitions(@GrpcClient("profile") ProfileService profiles) {
        this.profiles = profiles;
    }

    public Uni<AttributeDefinition> create(CreateAttributeDefinitionRequest request) {
        return profiles.createAttributeDefinition(request);
    }

    public Uni<ListAttributeDefinitionsResponse> list(ListAttributeDefinitionsRequest request) {
        return profiles.listAttributeDefinitions(request);
    }
}
