package dev.rapport.gateway.privacy;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.proto.privacy.v1.ExportPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.ExtendPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.GetPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.ListPrivacyRequestsRequest;
import dev.rapport.proto.privacy.v1.ListPrivacyRequestsResponse;
import dev.rapport.proto.privacy.v1.OpenPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.PrivacyRequest;
import io.smallrye.mutiny.Uni;

/** The data-subject request operations of the public API, over gRPC or REST; each is audited under the legal obligation it serves. */
@ApplicationScoped
public class PrivacyRequestOperations {
    private final PrivacyRequests requests;
    private final PersonalDataExport export;
    private final Audited audited;

    PrivacyRequestOperations(PrivacyRequests requests, PersonalDataExport export, Audited audited) {
        this.requests = requests;
        this.export = export;
        this.audited = audited;
    }

    public Uni<PrivacyRequest> open(OpenPrivacyRequestRequest request) {
        // The subject is checked (and a customer's found) by PrivacyRequests#open; the audit names the one the answer names.
        return audited.run("privacy-requests.open", Purposes.LEGAL_OBLIGATION, null, caller -> requests.open(caller, request));
    }

    public Uni<PrivacyRequest> get(GetPrivacyRequestRequest request) {
        return audited.run("privacy-requests.get", Purposes.LEGAL_OBLIGATION, null, caller -> requests.get(caller, request.getId()));
    }

    public Uni<ListPrivacyRequestsResponse> list(ListPrivacyRequestsRequest request) {
        return audited.run("privacy-requests.list", Purposes.LEGAL_OBLIGATION, request.getSubject(),
                caller -> requests.list(caller, request.getSubject(), request.getStatus(), request.getPageSize(), request.getPageToken()));
    }

    public Uni<PrivacyRequest> extend(ExtendPrivacyRequestRequest request) {
        return audited.run("privacy-requests.extend", Purposes.LEGAL_OBLIGATION, null, caller -> {
            if (!PrivacyRequests.isStaff(caller)) {
                throw new io.quarkus.security.ForbiddenException();
            }
            return requests.extend(request.getId(), request.getReason());
        });
    }

    public Uni<Struct> export(ExportPrivacyRequestRequest request) {
        return audited.run("privacy-requests.export", Purposes.LEGAL_OBLIGATION, null,
                caller -> requests.get(caller, request.getId()).flatMap(found -> requests.visitorIds(found.getId())
                        .flatMap(visitors -> export.export(found, visitors))));
    }
}
