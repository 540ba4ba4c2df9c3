package dev.rapport.gateway.privacy.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

import com.google.protobuf.Struct;

import dev.rapport.gateway.privacy.PrivacyRequestOperations;
import dev.rapport.proto.privacy.v1.ExportPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.ExtendPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.GetPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.ListPrivacyRequestsRequest;
import dev.rapport.proto.privacy.v1.ListPrivacyRequestsResponse;
import dev.rapport.proto.privacy.v1.OpenPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.PrivacyRequest;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.PrivacyRequests; bodies are the same messages in protobuf JSON. */
@Path("/api/v1/privacy-requests")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ "privacy-officer", "admin", "customer" })
public class PrivacyRequestsResource {
    private final PrivacyRequestOperations requests;

    PrivacyRequestsResource(PrivacyRequestOperations requests) {
        this.requests = requests;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Open a data-subject request (kind ACCESS, PORTABILITY, RECTIFICATION, ERASURE, RESTRICTION or OBJECTION); "
            + "staff name the subject and how they verified the person; a customer asks about themselves. Idempotency-Key makes a retry answer the first")
    public Uni<Response> open(OpenPrivacyRequestRequest request, @HeaderParam("Idempotency-Key") @DefaultValue("") String idempotencyKey) {
        InvalidInput.body(request, "an OpenPrivacyRequestRequest");
        OpenPrivacyRequestRequest keyed = idempotencyKey.isEmpty() || !request.getRequestId().isEmpty() ? request
                : request.toBuilder().setRequestId(idempotencyKey).build();
        return requests.open(keyed).map(opened -> Response.status(201).entity(opened).build());
    }

    @GET
    @Operation(summary = "Requests, newest first (a customer sees their own); filter by subject and status; follow nextPageToken for more")
    public Uni<ListPrivacyRequestsResponse> list(@QueryParam("subject") @DefaultValue("") String subject,
            @QueryParam("status") @DefaultValue("") String status, @QueryParam("page_size") @DefaultValue("0") int pageSize,
            @QueryParam("page_token") @DefaultValue("") String pageToken) {
        ListPrivacyRequestsRequest.Builder request = ListPrivacyRequestsRequest.newBuilder().setSubject(subject).setPageSize(pageSize).setPageToken(pageToken);
        if (!status.isEmpty()) {
            try {
                request.setStatus(PrivacyRequest.Status.valueOf(status.toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new InvalidInput("status", "IN_PROGRESS, VERIFYING or COMPLETED");
            }
        }
        return requests.list(request.build());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "A request: its status, legal deadline, and each service's part (what is pending, attempts, records, detail)")
    public Uni<PrivacyRequest> get(@PathParam("id") String id) {
        return requests.get(GetPrivacyRequestRequest.newBuilder().setId(id).build());
    }

    @POST
    @Path("{id}/extension")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "privacy-officer", "admin" })
    @Operation(summary = "Extend the deadline once, as the regime allows, with the reason the person is told")
    public Uni<PrivacyRequest> extend(@PathParam("id") String id, ExtendPrivacyRequestRequest request) {
        InvalidInput.body(request, "an ExtendPrivacyRequestRequest");
        return requests.extend(request.toBuilder().setId(id).build());
    }

    @GET
    @Path("{id}/export")
    @Operation(summary = "A completed access or portability request's export: what every service holds about the person, as one JSON document")
    public Uni<Struct> export(@PathParam("id") String id) {
        return requests.export(ExportPrivacyRequestRequest.newBuilder().setId(id).build());
    }
}
