package dev.rapport.gateway.operations.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.operations.Operations;
import dev.rapport.proto.api.v1.ListOperationsResponse;
import dev.rapport.proto.api.v1.ReportProgressRequest;
import dev.rapport.proto.common.v1.Progress;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.Operations; bodies are the same messages in protobuf JSON. */
@Path("/api/v1/operations")
@Produces(MediaType.APPLICATION_JSON)
public class OperationsResource {
    private final Operations operations;

    OperationsResource(Operations operations) {
        this.operations = operations;
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "partner", "admin" })
    @Operation(summary = "Report how far your operation has come (Progress JSON: done, total, stage, finished, failed; the gateway "
            + "computes percent); start=true on a run's first report")
    public Uni<dev.rapport.proto.api.v1.Operation> report(@PathParam("name") String name, @QueryParam("start") @DefaultValue("false") boolean start,
            Progress progress) {
        return operations.report(ReportProgressRequest.newBuilder().setName(name)
                .setProgress(InvalidInput.body(progress, "a Progress")).setStart(start).build());
    }

    @GET
    @Path("{name}")
    @RolesAllowed({ "partner", "marketer", "agent", "privacy-officer", "admin" })
    @Operation(summary = "An operation's latest progress, e.g. demo-load while `make run` loads the demo brand")
    public Uni<dev.rapport.proto.api.v1.Operation> get(@PathParam("name") String name) {
        return operations.get(name);
    }

    @GET
    @RolesAllowed({ "partner", "marketer", "agent", "privacy-officer", "admin" })
    @Operation(summary = "Operations, most recently updated first")
    public Uni<ListOperationsResponse> list(@QueryParam("page_size") @DefaultValue("0") int pageSize) {
        return operations.list(pageSize);
    }
}
