package dev.rapport.gateway.segments.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.profiles.ProfileReads;
import dev.rapport.gateway.segments.SegmentOperations;
import dev.rapport.proto.api.v1.Segments;
import dev.rapport.proto.segment.v1.ComputeRfmRequest;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentResponse;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.ExplainMembershipRequest;
import dev.rapport.proto.segment.v1.Explanation;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.proto.segment.v1.GetRfmModelRequest;
import dev.rapport.proto.segment.v1.GetSegmentRequest;
import dev.rapport.proto.segment.v1.ListMembersRequest;
import dev.rapport.proto.segment.v1.ListMembersResponse;
import dev.rapport.proto.segment.v1.ListMembershipsRequest;
import dev.rapport.proto.segment.v1.ListMembershipsResponse;
import dev.rapport.proto.segment.v1.ListSegmentsRequest;
import dev.rapport.proto.segment.v1.ListSegmentsResponse;
import dev.rapport.proto.segment.v1.ListSizeHistoryRequest;
import dev.rapport.proto.segment.v1.ListSizeHistoryResponse;
import dev.rapport.proto.segment.v1.Member;
import dev.rapport.proto.segment.v1.PreviewSegmentRequest;
import dev.rapport.proto.segment.v1.RfmModel;
import dev.rapport.proto.segment.v1.RfmRun;
import dev.rapport.proto.segment.v1.Segment;
import dev.rapport.proto.segment.v1.SegmentSize;
import dev.rapport.proto.segment.v1.StreamMembersRequest;
import dev.rapport.proto.segment.v1.UpdateRfmModelRequest;
import dev.rapport.proto.segment.v1.UpdateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.Segments. */
@GrpcService
@RolesAllowed({ "partner", "marketer", "admin" })
public class SegmentsGrpc implements Segments {
    private final ProfileReads reads;
    private final SegmentOperations segments;

    SegmentsGrpc(ProfileReads reads, SegmentOperations segments) {
        this.reads = reads;
        this.segments = segments;
    }

    @Override
    public Uni<Engagement> getEngagement(GetEngagementRequest request) {
        return reads.engagement(request);
    }

    @Override
    public Uni<Segment> createSegment(CreateSegmentRequest request) {
        return segments.create(request);
    }

    @Override
    public Uni<Segment> updateSegment(UpdateSegmentRequest request) {
        return segments.update(request);
    }

    @Override
    public Uni<DeleteSegmentResponse> deleteSegment(DeleteSegmentRequest request) {
        return segments.delete(request);
    }

    @Override
    public Uni<Segment> getSegment(GetSegmentRequest request) {
        return segments.get(request);
    }

    @Override
    public Uni<ListSegmentsResponse> listSegments(ListSegmentsRequest request) {
        return segments.list(request);
    }

    @Override
    public Uni<ValidateSegmentResponse> validateSegment(ValidateSegmentRequest request) {
        return segments.validate(request);
    }

    @Override
    public Uni<SegmentSize> previewSegment(PreviewSegmentRequest request) {
        return segments.preview(request);
    }

    @Override
    public Uni<ListMembersResponse> listMembers(ListMembersRequest request) {
        return segments.members(request);
    }

    @Override
    public Multi<Member> streamMembers(StreamMembersRequest request) {
        return segments.streamMembers(request);
    }

    @Override
    public Uni<ListMembershipsResponse> listMemberships(ListMembershipsRequest request) {
        return segments.memberships(request);
    }

    @Override
    public Uni<Explanation> explainMembership(ExplainMembershipRequest request) {
        return segments.explain(request);
    }

    @Override
    public Uni<ListSizeHistoryResponse> listSizeHistory(ListSizeHistoryRequest request) {
        return segments.sizeHistory(request);
    }

    @Override
    public Uni<RfmModel> getRfmModel(GetRfmModelRequest request) {
        return segments.rfmModel();
    }

    @Override
    @RolesAllowed({ "marketer", "admin" })
    public Uni<RfmModel> updateRfmModel(UpdateRfmModelRequest request) {
        return segments.updateRfmModel(request);
    }

    @Override
    @RolesAllowed({ "marketer", "admin" })
    public Uni<RfmRun> computeRfm(ComputeRfmRequest request) {
        return segments.computeRfm();
    }
}
