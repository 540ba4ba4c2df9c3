package dev.rapport.gateway.privacy.api;

import jakarta.annotation.security.RolesAllowed;

import com.google.protobuf.Struct;

import dev.rapport.gateway.privacy.PrivacyRequestOperations;
import dev.rapport.proto.api.v1.PrivacyRequests;
import dev.rapport.proto.privacy.v1.ExportPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.ExtendPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.GetPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.ListPrivacyRequestsRequest;
import dev.rapport.proto.privacy.v1.ListPrivacyRequestsResponse;
import dev.rapport.proto.privacy.v1.OpenPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.PrivacyRequest;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.PrivacyRequests. */
@GrpcService
@RolesAllowed({ "privacy-officer", "admin", "customer" })
public class PrivacyRequestsGrpc implements PrivacyRequests {
    private final PrivacyRequestOperations requests;

    PrivacyRequestsGrpc(PrivacyRequestOperations requests) {
        this.requests = requests;
    }

    @Override
    public Uni<PrivacyRequest> openPrivacyRequest(OpenPrivacyRequestRequest request) {
        return requests.open(request);
    }

    @Override
    public Uni<PrivacyRequest> getPrivacyRequest(GetPrivacyRequestRequest request) {
        return requests.get(request);
    }

    @Override
    public Uni<ListPrivacyRequestsResponse> listPrivacyRequests(ListPrivacyRequestsRequest request) {
        return requests.list(request);
    }

    @Override
    @RolesAllowed({ "privacy-officer", "admin" })
    public Uni<PrivacyRequest> extendPrivacyRequest(ExtendPrivacyRequestRequest request) {
        return requests.extend(request);
    }

    @Override
    public Uni<Struct> exportPrivacyRequest(ExportPrivacyRequestRequest request) {
        return requests.export(request);
    }
}
