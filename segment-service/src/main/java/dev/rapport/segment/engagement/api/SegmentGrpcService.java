package dev.rapport.segment.engagement.api;

import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.proto.segment.v1.SegmentService;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.Ids;
import dev.rapport.segment.engagement.EngagementRepository;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of segment-service (rapport.segment.v1.SegmentService). */
@GrpcService
public class SegmentGrpcService implements SegmentService {
    private final EngagementRepository engagement;

    SegmentGrpcService(EngagementRepository engagement) {
        this.engagement = engagement;
    }

    @Override
    public Uni<Engagement> getEngagement(GetEngagementRequest request) {
        return Uni.createFrom().deferred(() -> engagement.find(Ids.profile("profile_id", request.getProfileId())))
                .map(found -> found.orElseThrow(() -> new NotFound("engagement of that profile")));
    }
}
