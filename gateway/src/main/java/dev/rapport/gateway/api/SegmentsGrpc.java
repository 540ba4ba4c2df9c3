package dev.rapport.gateway.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.proto.api.v1.Segments;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.proto.segment.v1.SegmentService;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public rapport.api.v1.Segments. */
@GrpcService
public class SegmentsGrpc implements Segments {
    @GrpcClient("segment")
    SegmentService segments;

    private final Audited audited;

    SegmentsGrpc(Audited audited) {
        this.audited = audited;
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "admin" })
    public Uni<Engagement> getEngagement(GetEngagementRequest request) {
        return audited.run("segments.engagement.get", Purposes.ESSENTIAL_SERVICE, request.getProfileId(), caller -> segments.getEngagement(request));
    }
}
