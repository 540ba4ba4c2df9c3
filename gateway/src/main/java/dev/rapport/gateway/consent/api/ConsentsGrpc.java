package dev.rapport.gateway.consent.api;

import jakarta.annotation.security.RolesAllowed;

import com.google.protobuf.Struct;

import dev.rapport.gateway.consent.ConsentOperations;
import dev.rapport.proto.api.v1.Consents;
import dev.rapport.proto.privacy.v1.ConsentRecord;
import dev.rapport.proto.privacy.v1.ConsentSummary;
import dev.rapport.proto.privacy.v1.GetConsentReceiptRequest;
import dev.rapport.proto.privacy.v1.GetConsentStateRequest;
import dev.rapport.proto.privacy.v1.ListConsentRecordsRequest;
import dev.rapport.proto.privacy.v1.ListConsentRecordsResponse;
import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.Consents. */
@GrpcService
@RolesAllowed({ "partner", "agent", "privacy-officer", "admin", "customer" })
public class ConsentsGrpc implements Consents {
    private final ConsentOperations consents;

    ConsentsGrpc(ConsentOperations consents) {
        this.consents = consents;
    }

    @Override
    public Uni<ConsentRecord> recordConsent(RecordConsentRequest request) {
        return consents.record(request);
    }

    @Override
    public Uni<ConsentSummary> getConsentState(GetConsentStateRequest request) {
        return consents.state(request);
    }

    @Override
    public Uni<ListConsentRecordsResponse> listConsentRecords(ListConsentRecordsRequest request) {
        return consents.history(request);
    }

    @Override
    public Uni<Struct> getConsentReceipt(GetConsentReceiptRequest request) {
        return consents.receipt(request);
    }
}
