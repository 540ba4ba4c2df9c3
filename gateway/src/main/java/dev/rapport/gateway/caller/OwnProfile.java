package dev.rapport.gateway.caller;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.runtime.error.NotFound;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/**
 * A customer's own profile: the one whose external id is their user name. A customer reaches only that one; asking
 * for anyone else's is answered exactly as a profile that does not exist.
 */
@ApplicationScoped
public class OwnProfile {
    private final ProfileService profiles;

    OwnProfile(@GrpcClient("profile") ProfileService profiles) {
        this.profiles = profiles;
    }

    /** The customer's profile; null when the brand has no profile for them yet. */
    public Uni<Profile> profile(Caller caller) {
        return profiles.getProfile(GetProfileRequest.newBuilder()
                        .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue(caller.id())).build())
                .onFailure(failure -> failure instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND)
                .recoverWithNull();
    }

    /** The customer's profile id; empty when the brand has no profile for them yet. */
    public Uni<String> of(Caller caller) {
        return profile(caller).map(profile -> profile == null ? "" : profile.getId());
    }

    /** Passes when the subject is the customer's own profile; "not found" otherwise. */
    public Uni<Void> require(Caller caller, String subject) {
        return of(caller).invoke(own -> {
            if (own.isEmpty() || !own.equals(subject)) {
                throw new NotFound("not found");
            }
        }).replaceWithVoid();
    }
}
