package dev.rapport.gateway.profiles.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.profiles.ProfileReads;
import dev.rapport.proto.api.v1.Profiles;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.Profile;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.Profiles. */
@GrpcService
public class ProfilesGrpc implements Profiles {
    private final ProfileReads reads;

    ProfilesGrpc(ProfileReads reads) {
        this.reads = reads;
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    public Uni<Profile> getProfile(GetProfileRequest request) {
        return reads.profile(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    public Uni<ListEventsResponse> listProfileEvents(ListEventsRequest request) {
        return reads.events(request);
    }
}
