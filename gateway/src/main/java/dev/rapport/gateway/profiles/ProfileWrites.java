package dev.rapport.gateway.profiles;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.gateway.caller.Caller;
import dev.rapport.proto.profile.v1.IdentifyRequest;
import dev.rapport.proto.profile.v1.IdentifyResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/**
 * Changes to a person's profile through the gateway, over gRPC or REST; every one is audited, under the profile the
 * answer names when the request named an identifier.
 */
@ApplicationScoped
public class ProfileWrites {
    private final ProfileService profiles;
    private final Audited audited;

    ProfileWrites(@GrpcClient("profile") ProfileService profiles, Audited audited) {
        this.profiles = profiles;
        this.audited = audited;
    }

    public Uni<Profile> updateAttributes(UpdateAttributesRequest request) {
        return audited.run("profiles.attributes.update", Purposes.ESSENTIAL_SERVICE, request.getProfileId(),
                caller -> profiles.updateAttributes(request.toBuilder().setSource(source(caller, request.getSource())).build()));
    }

    public Uni<IdentifyResponse> identify(IdentifyRequest request) {
        return audited.run("profiles.identify", Purposes.ESSENTIAL_SERVICE, null,
                caller -> profiles.identify(request.toBuilder().setSource(source(caller, request.getSource())).build()));
    }

    /** Who the token says called, then the caller's own label ("client:shop-app/crm"): a caller cannot pose as another. */
    private static String source(Caller caller, String label) {
        return label.isEmpty() ? caller.id() : caller.id() + "/" + label;
    }
}
