package dev.rapport.gateway.profiles.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.profiles.AttributeDefinitions;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.CreateAttributeDefinitionRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsResponse;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.AttributeSchema; bodies are the same messages in protobuf JSON. */
@Path("/api/v1/attribute-definitions")
@Produces(MediaType.APPLICATION_JSON)
public class AttributeSchemaResource {
    private final AttributeDefinitions definitions;

    AttributeSchemaResource(AttributeDefinitions definitions) {
        this.definitions = definitions;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "partner", "admin" })
    @Operation(summary = "Declare a custom attribute (AttributeDefinition JSON); the same definition again answers the stored one, a different one 409")
    public Uni<AttributeDefinition> create(AttributeDefinition definition) {
        InvalidInput.body(definition, "an AttributeDefinition");
        return definitions.create(CreateAttributeDefinitionRequest.newBuilder().setDefinition(definition).build());
    }

    @GET
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    @Operation(summary = "Every attribute definition: the standard ones, then the custom ones by name")
    public Uni<ListAttributeDefinitionsResponse> list() {
        return definitions.list(ListAttributeDefinitionsRequest.getDefaultInstance());
    }
}
