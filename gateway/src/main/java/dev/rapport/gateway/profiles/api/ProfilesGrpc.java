package dev.rapport.gateway.profiles.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.profiles.ProfileReads;
import dev.rapport.gateway.profiles.ProfileWrites;
import dev.rapport.proto.api.v1.Profiles;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.IdentifyRequest;
import dev.rapport.proto.profile.v1.IdentifyResponse;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.ListProfileVersionsRequest;
import dev.rapport.proto.profile.v1.ListProfileVersionsResponse;
import dev.rapport.proto.profile.v1.ListTimelineRequest;
import dev.rapport.proto.profile.v1.ListTimelineResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.Profiles. */
@GrpcService
public class ProfilesGrpc implements Profiles {
    private final ProfileReads reads;
    private final ProfileWrites writes;

    ProfilesGrpc(ProfileReads reads, ProfileWrites writes) {
        this.reads = reads;
        this.writes = writes;
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin", "customer" })
    public Uni<Profile> getProfile(GetProfileRequest request) {
        return reads.profile(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin", "customer" })
    public Uni<ListEventsResponse> listProfileEvents(ListEventsRequest request) {
        return reads.events(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin", "customer" })
    public Uni<ListTimelineResponse> listProfileTimeline(ListTimelineRequest request) {
        return reads.timeline(request);
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<Profile> updateAttributes(UpdateAttributesRequest request) {
        return writes.updateAttributes(request);
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<IdentifyResponse> identify(IdentifyRequest request) {
        return writes.identify(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    public Uni<ListProfileVersionsResponse> listProfileVersions(ListProfileVersionsRequest request) {
        return reads.versions(request);
    }
}
