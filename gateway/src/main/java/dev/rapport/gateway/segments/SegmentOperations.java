package dev.rapport.gateway.segments;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.proto.segment.v1.ComputeRfmRequest;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentResponse;
import dev.rapport.proto.segment.v1.ExplainMembershipRequest;
import dev.rapport.proto.segment.v1.Explanation;
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
import dev.rapport.proto.segment.v1.MutinySegmentServiceGrpc;
import dev.rapport.proto.segment.v1.Member;
import dev.rapport.proto.segment.v1.PreviewSegmentRequest;
import dev.rapport.proto.segment.v1.RfmModel;
import dev.rapport.proto.segment.v1.RfmRun;
import dev.rapport.proto.segment.v1.Segment;
import dev.rapport.proto.segment.v1.SegmentService;
import dev.rapport.proto.segment.v1.SegmentSize;
import dev.rapport.proto.segment.v1.StreamMembersRequest;
import dev.rapport.proto.segment.v1.UpdateRfmModelRequest;
import dev.rapport.proto.segment.v1.UpdateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentResponse;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Segments, passed to segment-service. Definitions, sizes and RFM models hold no one's personal data and are not
 * audited; every answer that names people (members, memberships, explanations) is.
 */
@ApplicationScoped
public class SegmentOperations {
    private final SegmentService segments;
    private final MutinySegmentServiceGrpc.MutinySegmentServiceStub computing;
    private final Duration computeDeadline;
    private final Audited audited;

    SegmentOperations(@GrpcClient("segment") SegmentService segments,
            @GrpcClient("segment") MutinySegmentServiceGrpc.MutinySegmentServiceStub computing,
            @ConfigProperty(name = "rapport.segments.compute-deadline", defaultValue = "120s") Duration computeDeadline,
            Audited audited) {
        this.segments = segments;
        this.computing = computing;
        this.computeDeadline = computeDeadline;
        this.audited = audited;
    }

    /**
     * Calls that compute a whole segment (or everyone's RFM scores) take seconds at millions of profiles: they get
     * a deadline of their own instead of the gateway's default for a call.
     */
    private MutinySegmentServiceGrpc.MutinySegmentServiceStub computing() {
        return computing.withDeadlineAfter(computeDeadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Uni<Segment> create(CreateSegmentRequest request) {
        return computing().createSegment(request);
    }

    public Uni<Segment> update(UpdateSegmentRequest request) {
        return computing().updateSegment(request);
    }

    public Uni<DeleteSegmentResponse> delete(DeleteSegmentRequest request) {
        return computing().deleteSegment(request);
    }

    public Uni<Segment> get(GetSegmentRequest request) {
        return segments.getSegment(request);
    }

    public Uni<ListSegmentsResponse> list(ListSegmentsRequest request) {
        return segments.listSegments(request);
    }

    public Uni<ValidateSegmentResponse> validate(ValidateSegmentRequest request) {
        return segments.validateSegment(request);
    }

    public Uni<SegmentSize> preview(PreviewSegmentRequest request) {
        return computing().previewSegment(request);
    }

    public Uni<ListSizeHistoryResponse> sizeHistory(ListSizeHistoryRequest request) {
        return segments.listSizeHistory(request);
    }

    public Uni<ListMembersResponse> members(ListMembersRequest request) {
        return audited.run("segments.members.list", Purposes.ESSENTIAL_SERVICE, null, caller -> segments.listMembers(request));
    }

    public Multi<Member> streamMembers(StreamMembersRequest request) {
        return audited.stream("segments.members.stream", Purposes.ESSENTIAL_SERVICE, caller -> segments.streamMembers(request));
    }

    public Uni<ListMembershipsResponse> memberships(ListMembershipsRequest request) {
        return audited.runDeclared("segments.memberships.list", request.getProfileId(), (caller, purpose) -> segments.listMemberships(request));
    }

    public Uni<Explanation> explain(ExplainMembershipRequest request) {
        return audited.runDeclared("segments.membership.explain", request.getProfileId(), (caller, purpose) -> segments.explainMembership(request));
    }

    public Uni<RfmModel> rfmModel() {
        return segments.getRfmModel(GetRfmModelRequest.getDefaultInstance());
    }

    public Uni<RfmModel> updateRfmModel(UpdateRfmModelRequest request) {
        return computing().updateRfmModel(request);
    }

    public Uni<RfmRun> computeRfm() {
        return computing().computeRfm(ComputeRfmRequest.getDefaultInstance());
    }
}
