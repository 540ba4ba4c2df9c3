package dev.rapport.gateway.audit;

import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.caller.Caller;
import dev.rapport.gateway.caller.OwnProfile;
import dev.rapport.gateway.consent.ConsentLedger;
import dev.rapport.gateway.consent.PurposeEnforcement;
import dev.rapport.gateway.consent.RequestSignals;
import dev.rapport.runtime.error.NoLawfulBasis;
import dev.rapport.proto.profile.v1.IdentifyResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Runs one operation on personal data for the calling identity: honours the person's Global Privacy Control signal,
 * refuses a purpose the person gave no basis for, and records the operation in the audit trail, whatever its outcome.
 */
@ApplicationScoped
public class Audited {
    private final AuditTrail trail;
    private final CurrentIdentityAssociation identity;
    private final ConsentLedger ledger;
    private final PurposeEnforcement enforcement;
    private final OwnProfile own;

    Audited(AuditTrail trail, CurrentIdentityAssociation identity, ConsentLedger ledger, PurposeEnforcement enforcement, OwnProfile own) {
        this.trail = trail;
        this.identity = identity;
        this.ledger = ledger;
        this.enforcement = enforcement;
        this.own = own;
    }

    /** An operation that serves one purpose, whoever calls it. */
    public <T> Uni<T> run(String operation, String purpose, String subjectId, Function<Caller, Uni<? extends T>> call) {
        return execute(operation, caller -> purpose, subjectId, (caller, p) -> call.apply(caller));
    }

    /**
     * An operation that serves the purpose its caller declares ({@code Rapport-Purpose}), within the purposes the
     * caller's roles may serve (a marketer never reads for an essential use; PurposeEnforcement#purposeFor).
     */
    public <T> Uni<T> runDeclared(String operation, String subjectId, BiFunction<Caller, String, Uni<? extends T>> call) {
        Optional<String> declared = RequestSignals.purpose(); // read now, like the GPC signal
        return execute(operation, caller -> enforcement.purposeFor(caller, declared), subjectId, call);
    }

    private <T> Uni<T> execute(String operation, Function<Caller, String> purposeOf, String subjectId,
            BiFunction<Caller, String, Uni<? extends T>> call) {
        boolean gpc = RequestSignals.gpc(); // read now: the signal is bound to the request's context, not to later callbacks
        boolean knownSubject = subjectId != null && !subjectId.isEmpty();
        // Authentication is lazy (the operation's @RolesAllowed resolved it): read the identity without blocking.
        return identity.getDeferredIdentity().map(Caller::of).flatMap(caller -> {
            String purpose;
            try {
                purpose = purposeOf.apply(caller);
            } catch (RuntimeException refused) {
                return trail.record(caller, operation, "(refused)", subjectId, outcome(refused)).flatMap(x -> Uni.createFrom().failure(refused));
            }
            // A customer reaches their own data only: another's (or one found by identifier) is "not found".
            boolean customer = caller.isCustomer();
            Uni<Void> ownData = customer && knownSubject ? own.require(caller, subjectId) : Uni.createFrom().voidItem();
            return ownData.flatMap(checked -> Uni.createFrom().<T>deferred(() -> {
                        boolean honour = gpc && caller.speaksForTheSubject();
                        Uni<Void> signal = honour && knownSubject ? ledger.honourGpc(caller, subjectId) : Uni.createFrom().voidItem();
                        return signal.invoke(() -> {
                                    if (knownSubject) {
                                        enforcement.require(subjectId, purpose);
                                    }
                                })
                                .flatMap(x -> call.apply(caller, purpose))
                                // (an answer that names nobody comes from an operation that scopes customers itself: privacy requests)
                                .call(result -> customer && !knownSubject && subjectOf(null, result) != null
                                        ? own.require(caller, subjectOf(null, result)) : Uni.createFrom().voidItem())
                                .call(result -> honour && !knownSubject ? ledger.honourGpc(caller, subjectOf(null, result)) : Uni.createFrom().voidItem());
                    }))
                    .call(result -> trail.record(caller, operation, purpose, subjectOf(subjectId, result), "ok"))
                    .onFailure().call(failure -> trail.record(caller, operation, purpose, subjectId, outcome(failure)));
        });
    }

    /** A stream of operations about many people, recorded once when it ends (however it ends). */
    public <T> Multi<T> stream(String operation, String purpose, Function<Caller, Multi<T>> call) {
        return identity.getDeferredIdentity().map(Caller::of).onItem().transformToMulti(caller -> Multi.createFrom().<T>deferred(() -> call.apply(caller))
                .onCompletion().call(() -> trail.record(caller, operation, purpose, null, "ok"))
                .onFailure().call(failure -> trail.record(caller, operation, purpose, null, outcome(failure))));
    }

    private static String subjectOf(String subjectId, Object result) {
        if (subjectId != null && !subjectId.isEmpty()) {
            return subjectId;
        }
        // Found or created by an identifier: the subject is the profile the answer names.
        return switch (result) {
            case RecordEventResponse recorded -> recorded.getProfileId();
            case IdentifyResponse identified -> identified.getProfileId();
            case Profile profile -> profile.getId();
            case dev.rapport.proto.privacy.v1.PrivacyRequest request when !request.getSubject().isEmpty() -> request.getSubject();
            case com.google.protobuf.Struct receipt when receipt.containsFields("piiPrincipalId") ->
                    receipt.getFieldsOrThrow("piiPrincipalId").getStringValue();
            case null, default -> null;
        };
    }

    private static String outcome(Throwable failure) {
        if (failure instanceof NoLawfulBasis) {
            return "NO_LAWFUL_BASIS";
        }
        if (failure instanceof dev.rapport.runtime.error.NotFound) {
            return "NOT_FOUND";
        }
        if (failure instanceof dev.rapport.runtime.error.InvalidInput) {
            return "INVALID_ARGUMENT";
        }
        if (failure instanceof io.quarkus.security.ForbiddenException) {
            return "PURPOSE_NOT_ALLOWED_FOR_ROLE";
        }
        return failure instanceof StatusRuntimeException status ? status.getStatus().getCode().name() : Status.Code.INTERNAL.name();
    }
}
