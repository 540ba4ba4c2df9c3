package dev.rapport.gateway.audit;

import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.caller.Caller;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Runs one operation on personal data and records it in the audit trail, whatever its outcome. */
@ApplicationScoped
public class Audited {
    private final AuditTrail trail;
    private final SecurityIdentity identity;

    Audited(AuditTrail trail, SecurityIdentity identity) {
        this.trail = trail;
        this.identity = identity;
    }

    public <T> Uni<T> run(String operation, String purpose, String subjectId, Supplier<Uni<? extends T>> call) {
        Caller caller = Caller.of(identity);
        return Uni.createFrom().<T>deferred(call)
                .call(result -> trail.record(caller, operation, purpose, subjectOf(subjectId, result), "ok"))
                .onFailure().call(failure -> trail.record(caller, operation, purpose, subjectId, outcome(failure)));
    }

    private static String subjectOf(String subjectId, Object result) {
        if ((subjectId == null || subjectId.isEmpty()) && result instanceof dev.rapport.proto.profile.v1.RecordEventResponse recorded) {
            return recorded.getProfileId();
        }
        return subjectId;
    }

    private static String outcome(Throwable failure) {
        return failure instanceof StatusRuntimeException status ? status.getStatus().getCode().name() : Status.Code.INTERNAL.name();
    }
}
