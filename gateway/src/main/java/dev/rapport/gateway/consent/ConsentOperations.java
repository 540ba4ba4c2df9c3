package dev.rapport.gateway.consent;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.proto.privacy.v1.ConsentRecord;
import dev.rapport.proto.privacy.v1.ConsentSummary;
import dev.rapport.proto.privacy.v1.GetConsentReceiptRequest;
import dev.rapport.proto.privacy.v1.GetConsentStateRequest;
import dev.rapport.proto.privacy.v1.ListConsentRecordsRequest;
import dev.rapport.proto.privacy.v1.ListConsentRecordsResponse;
import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import io.smallrye.mutiny.Uni;

/** The consent operations of the public API, over gRPC or REST; each is audited (keeping proof of consent is a legal duty). */
@ApplicationScoped
public class ConsentOperations {
    private final ConsentLedger ledger;
    private final ConsentStates states;
    private final ConsentReceipts receipts;
    private final Audited audited;

    ConsentOperations(ConsentLedger ledger, ConsentStates states, ConsentReceipts receipts, Audited audited) {
        this.ledger = ledger;
        this.states = states;
        this.receipts = receipts;
        this.audited = audited;
    }

    public Uni<ConsentRecord> record(RecordConsentRequest request) {
        return audited.run("consents.record", Purposes.LEGAL_OBLIGATION, request.getSubject(), caller -> ledger.record(caller, request));
    }

    public Uni<ConsentSummary> state(GetConsentStateRequest request) {
        return audited.run("consents.get", Purposes.LEGAL_OBLIGATION, request.getSubject(), caller -> states.summary(request.getSubject()));
    }

    public Uni<ListConsentRecordsResponse> history(ListConsentRecordsRequest request) {
        return audited.run("consents.records.list", Purposes.LEGAL_OBLIGATION, request.getSubject(),
                caller -> ledger.history(request.getSubject(), request.getPageSize(), request.getPageToken()));
    }

    public Uni<Struct> receipt(GetConsentReceiptRequest request) {
        // Audited whatever the outcome (a look-up of a record that does not exist too); the subject is the receipt's.
        return audited.run("consents.receipt.get", Purposes.LEGAL_OBLIGATION, null,
                caller -> ledger.find(request.getRecordId()).map(receipts::receipt));
    }
}
