package dev.rapport.gateway.events.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import dev.rapport.gateway.events.EventIntake;
import dev.rapport.proto.profile.v1.RecordEventBatchRequest;
import dev.rapport.proto.profile.v1.RecordEventBatchResponse;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.Events; bodies are the same messages in protobuf JSON. */
@Path("/api/v1/events")
@Consumes(MediaType.APPLICATION_JSON)
@Produces(MediaType.APPLICATION_JSON)
public class EventsResource {
    private final EventIntake intake;

    EventsResource(EventIntake intake) {
        this.intake = intake;
    }

    @POST
    @RolesAllowed({ "partner", "admin" })
    @Operation(summary = "Record an event for a customer (RecordEventRequest JSON); 201 when stored, 200 when it already was")
    public Uni<Response> record(RecordEventRequest request,
            @Parameter(description = "Used as the event id when the event has none: a retry is then stored once")
            @HeaderParam("Idempotency-Key") String idempotencyKey) {
        RecordEventRequest keyed = request.getEvent().getId().isEmpty() && idempotencyKey != null && !idempotencyKey.isBlank()
                ? request.toBuilder().setEvent(request.getEvent().toBuilder().setId(idempotencyKey)).build()
                : request;
        return intake.record(keyed).map(recorded -> Response.status(recorded.getDuplicate() ? 200 : 201).entity(recorded).build());
    }

    @POST
    @Path("batch")
    @RolesAllowed({ "partner", "admin" })
    @Operation(summary = "Record up to 1,000 events (RecordEventBatchRequest JSON): all or nothing on bad input, every bad field named;"
            + " results in request order")
    public Uni<RecordEventBatchResponse> recordBatch(RecordEventBatchRequest batch,
            @Parameter(description = "Events without an id get <key>:<index> as their id: a retried batch is then stored once")
            @HeaderParam("Idempotency-Key") String idempotencyKey) {
        InvalidInput.body(batch, "a RecordEventBatchRequest");
        RecordEventBatchRequest.Builder keyed = batch.toBuilder();
        if (idempotencyKey != null && !idempotencyKey.isBlank()) {
            for (int i = 0; i < keyed.getRequestsCount(); i++) {
                RecordEventRequest request = keyed.getRequests(i);
                if (request.getEvent().getId().isEmpty()) {
                    keyed.setRequests(i, request.toBuilder().setEvent(request.getEvent().toBuilder().setId(idempotencyKey + ":" + i)));
                }
            }
        }
        return intake.recordBatch(keyed.build());
    }
}
