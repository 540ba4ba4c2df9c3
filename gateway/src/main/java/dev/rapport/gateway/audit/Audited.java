package dev.rapport.gateway.audit;

import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.caller.Caller;
import dev.rapport.proto.profile.v1.IdentifyResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Runs one operation on personal data for the calling identity and records it in the audit trail, whatever its outcome. */
@ApplicationScoped
public class Audited {
    private final AuditTrail trail;
    private final CurrentIdentityAssociation identity;

    Audited(AuditTrail trail, CurrentIdentityAssociation identity) {
        this.trail = trail;
        this.identity = identity;
    }

    public <T> Uni<T> run(String operation, String purpose, String subjectId, Function<Caller, Uni<? extends T>> call) {
        // Authentication is lazy (the operation's @RolesAllowed resolved it): read the identity without blocking.
        return identity.getDeferredIdentity().map(Caller::of).flatMap(caller -> Uni.createFrom().<T>deferred(() -> call.apply(caller))
                .call(result -> trail.record(caller, operation, purpose, subjectOf(subjectId, result), "ok"))
                .onFailure().call(failure -> trail.record(caller, operation, purpose, subjectId, outcome(failure))));
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
            case null, default -> null;
        };
    }

    private static String outcome(Throwable failure) {
        return failure instanceof StatusRuntimeException status ? status.getStatus().getCode().name() : Status.Code.INTERNAL.name();
    }
}
