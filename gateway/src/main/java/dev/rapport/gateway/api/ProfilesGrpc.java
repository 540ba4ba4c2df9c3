package dev.rapport.gateway.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.proto.api.v1.Profiles;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public rapport.api.v1.Profiles. */
@GrpcService
public class ProfilesGrpc implements Profiles {
    @GrpcClient("profile")
    ProfileService profiles;

    private final Audited audited;

    ProfilesGrpc(Audited audited) {
        this.audited = audited;
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    public Uni<Profile> getProfile(GetProfileRequest request) {
        return audited.run("profiles.get", Purposes.ESSENTIAL_SERVICE, request.getProfileId(), caller -> profiles.getProfile(request));
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    public Uni<ListEventsResponse> listProfileEvents(ListEventsRequest request) {
        return audited.run("profiles.events.list", Purposes.ESSENTIAL_SERVICE, request.getProfileId(), caller -> profiles.listEvents(request));
    }
}
