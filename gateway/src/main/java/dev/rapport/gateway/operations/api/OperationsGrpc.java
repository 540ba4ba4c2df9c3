package dev.rapport.gateway.operations.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.operations.Operations;
import dev.rapport.proto.api.v1.GetOperationRequest;
import dev.rapport.proto.api.v1.ListOperationsRequest;
import dev.rapport.proto.api.v1.ListOperationsResponse;
import dev.rapport.proto.api.v1.Operation;
import dev.rapport.proto.api.v1.ReportProgressRequest;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.Operations. */
@GrpcService
public class OperationsGrpc implements dev.rapport.proto.api.v1.Operations {
    private final Operations operations;

    OperationsGrpc(Operations operations) {
        this.operations = operations;
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<Operation> reportProgress(ReportProgressRequest request) {
        return operations.report(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "privacy-officer", "admin" })
    public Uni<Operation> getOperation(GetOperationRequest request) {
        return operations.get(request.getName());
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "agent", "privacy-officer", "admin" })
    public Uni<ListOperationsResponse> listOperations(ListOperationsRequest request) {
        return operations.list(request.getPageSize());
    }
}
