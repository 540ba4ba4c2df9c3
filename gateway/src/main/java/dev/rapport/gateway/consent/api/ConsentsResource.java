package dev.rapport.gateway.consent.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;

import com.google.protobuf.Struct;

import dev.rapport.gateway.consent.ConsentOperations;
import dev.rapport.proto.privacy.v1.GetConsentReceiptRequest;
import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.Consents (a person's consent state and records are under /api/v1/profiles/{id}/consent). */
@Path("/api/v1/consents")
@Produces(MediaType.APPLICATION_JSON)
public class ConsentsResource {
    private final ConsentOperations consents;

    ConsentsResource(ConsentOperations consents) {
        this.consents = consents;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "partner", "agent", "privacy-officer", "admin", "customer" })
    @Operation(summary = "Record a grant or a withdrawal (granted: false): the same call; answers the ledger record. "
            + "Idempotency-Key (or requestId) makes a retry answer the first record")
    public Uni<Response> record(RecordConsentRequest request, @HeaderParam("Idempotency-Key") @DefaultValue("") String idempotencyKey) {
        InvalidInput.body(request, "a RecordConsentRequest");
        RecordConsentRequest keyed = idempotencyKey.isEmpty() || !request.getRequestId().isEmpty() ? request
                : request.toBuilder().setRequestId(idempotencyKey).build();
        return consents.record(keyed).map(record -> Response.status(201).entity(record).build());
    }

    @GET
    @Path("{recordId}/receipt")
    @RolesAllowed({ "partner", "agent", "privacy-officer", "admin", "customer" })
    @Operation(summary = "A consent record as a Kantara Consent Receipt (v1.1 fields)")
    public Uni<Struct> receipt(@PathParam("recordId") String recordId) {
        return consents.receipt(GetConsentReceiptRequest.newBuilder().setRecordId(recordId).build());
    }
}
