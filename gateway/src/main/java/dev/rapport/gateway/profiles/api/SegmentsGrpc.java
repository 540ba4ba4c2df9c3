package dev.rapport.gateway.profiles.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.profiles.ProfileReads;
import dev.rapport.proto.api.v1.Segments;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.Segments. */
@GrpcService
public class SegmentsGrpc implements Segments {
    private final ProfileReads reads;

    SegmentsGrpc(ProfileReads reads) {
        this.reads = reads;
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "admin" })
    public Uni<Engagement> getEngagement(GetEngagementRequest request) {
        return reads.engagement(request);
    }
}
