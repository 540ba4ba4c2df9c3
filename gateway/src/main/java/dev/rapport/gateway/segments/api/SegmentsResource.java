package dev.rapport.gateway.segments.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.segments.SegmentOperations;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentResponse;
import dev.rapport.proto.segment.v1.ExplainMembershipRequest;
import dev.rapport.proto.segment.v1.Explanation;
import dev.rapport.proto.segment.v1.GetSegmentRequest;
import dev.rapport.proto.segment.v1.ListMembersRequest;
import dev.rapport.proto.segment.v1.ListMembersResponse;
import dev.rapport.proto.segment.v1.ListSegmentsRequest;
import dev.rapport.proto.segment.v1.ListSegmentsResponse;
import dev.rapport.proto.segment.v1.ListSizeHistoryRequest;
import dev.rapport.proto.segment.v1.ListSizeHistoryResponse;
import dev.rapport.proto.segment.v1.PreviewSegmentRequest;
import dev.rapport.proto.segment.v1.RfmModel;
import dev.rapport.proto.segment.v1.RfmRun;
import dev.rapport.proto.segment.v1.Segment;
import dev.rapport.proto.segment.v1.SegmentSize;
import dev.rapport.proto.segment.v1.UpdateRfmModelRequest;
import dev.rapport.proto.segment.v1.UpdateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentResponse;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.Segments; bodies are the same messages in protobuf JSON. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ "partner", "marketer", "admin" })
public class SegmentsResource {
    private final SegmentOperations segments;

    SegmentsResource(SegmentOperations segments) {
        this.segments = segments;
    }

    @POST
    @Path("segments")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Save a segment (CreateSegmentRequest JSON: name, purpose, definition) and compute its members")
    public Uni<Segment> create(CreateSegmentRequest request) {
        return segments.create(InvalidInput.body(request, "a CreateSegmentRequest"));
    }

    @GET
    @Path("segments")
    @Operation(summary = "Segments by name; follow nextPageToken for more")
    public Uni<ListSegmentsResponse> list(@QueryParam("page_size") @DefaultValue("0") int pageSize,
            @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return segments.list(ListSegmentsRequest.newBuilder().setPageSize(pageSize).setPageToken(pageToken).build());
    }

    @POST
    @Path("segments/validate")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Check a definition without saving it: every problem, pointing at its node")
    public Uni<ValidateSegmentResponse> validate(ValidateSegmentRequest request) {
        return segments.validate(InvalidInput.body(request, "a ValidateSegmentRequest"));
    }

    @POST
    @Path("segments/preview")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "How many profiles a definition holds now, and how many its purpose excludes and why")
    public Uni<SegmentSize> preview(PreviewSegmentRequest request) {
        return segments.preview(InvalidInput.body(request, "a PreviewSegmentRequest"));
    }

    @GET
    @Path("segments/{segmentId}")
    @Operation(summary = "A segment with its definition and latest size")
    public Uni<Segment> get(@PathParam("segmentId") String segmentId) {
        return segments.get(GetSegmentRequest.newBuilder().setId(segmentId).build());
    }

    @PUT
    @Path("segments/{segmentId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Save a new version (UpdateSegmentRequest JSON; expectedVersion guards against lost edits); only the differences are announced")
    public Uni<Segment> update(@PathParam("segmentId") String segmentId, UpdateSegmentRequest request) {
        return segments.update(InvalidInput.body(request, "an UpdateSegmentRequest").toBuilder().setId(segmentId).build());
    }

    @DELETE
    @Path("segments/{segmentId}")
    @Operation(summary = "Delete a segment no other segment refers to; every member leaves")
    public Uni<DeleteSegmentResponse> delete(@PathParam("segmentId") String segmentId) {
        return segments.delete(DeleteSegmentRequest.newBuilder().setId(segmentId).build());
    }

    @GET
    @Path("segments/{segmentId}/members")
    @Operation(summary = "Members in profile id order; follow nextPageToken for more")
    public Uni<ListMembersResponse> members(@PathParam("segmentId") String segmentId, @QueryParam("page_size") @DefaultValue("0") int pageSize,
            @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return segments.members(ListMembersRequest.newBuilder().setSegmentId(segmentId).setPageSize(pageSize).setPageToken(pageToken).build());
    }

    @GET
    @Path("segments/{segmentId}/members/{profileId}/explanation")
    @Operation(summary = "Why a profile is or is not in the segment: every node's value and the events that satisfied it")
    public Uni<Explanation> explain(@PathParam("segmentId") String segmentId, @PathParam("profileId") String profileId) {
        return segments.explain(ExplainMembershipRequest.newBuilder().setSegmentId(segmentId).setProfileId(profileId).build());
    }

    @GET
    @Path("segments/{segmentId}/sizes")
    @Operation(summary = "The segment's size after each computation, newest first")
    public Uni<ListSizeHistoryResponse> sizes(@PathParam("segmentId") String segmentId, @QueryParam("page_size") @DefaultValue("0") int pageSize) {
        return segments.sizeHistory(ListSizeHistoryRequest.newBuilder().setSegmentId(segmentId).setPageSize(pageSize).build());
    }

    @GET
    @Path("rfm")
    @Operation(summary = "The RFM model (window, currency, named-segment rules) and its latest run")
    public Uni<RfmModel> rfm() {
        return segments.rfmModel();
    }

    @PUT
    @Path("rfm")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "marketer", "admin" })
    @Operation(summary = "Change the RFM window, currency or rules (UpdateRfmModelRequest JSON) and recompute")
    public Uni<RfmModel> updateRfm(UpdateRfmModelRequest request) {
        return segments.updateRfmModel(InvalidInput.body(request, "an UpdateRfmModelRequest"));
    }

    @POST
    @Path("rfm/runs")
    @RolesAllowed({ "marketer", "admin" })
    @Operation(summary = "Recompute RFM scores now; answers the run with its transition matrix")
    public Uni<RfmRun> computeRfm() {
        return segments.computeRfm();
    }

}
