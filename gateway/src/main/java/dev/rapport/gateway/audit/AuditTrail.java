package dev.rapport.gateway.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.rapport.gateway.caller.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Records every use of personal data through the gateway, naming the subject only by a keyed hash. */
@ApplicationScoped
public class AuditTrail {
    private final Pool pool;
    private final SecretKeySpec subjectKey;

    AuditTrail(Pool pool, @ConfigProperty(name = "rapport.audit.subject-key") String subjectKey) {
        this.pool = pool;
        this.subjectKey = new SecretKeySpec(subjectKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public Uni<Void> record(Caller caller, String operation, String purpose, String subjectId, String outcome) {
        return pool.preparedQuery("""
                INSERT INTO audit_event (actor, actor_roles, operation, purpose, subject, outcome)
                VALUES ($1, $2, $3, $4, $5, $6)""")
                .execute(Tuple.tuple()
                        .addString(caller.id())
                        .addArrayOfString(caller.roles().toArray(String[]::new))
                        .addString(operation)
                        .addString(purpose)
                        .addString(subjectId == null || subjectId.isEmpty() ? null : pseudonym(subjectId))
                        .addString(outcome))
                .replaceWithVoid();
    }

    /** The keyed hash that stands for a subject in the audit log. */
    public String pseudonym(String subjectId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(subjectKey);
            return HexFormat.of().formatHex(mac.doFinal(subjectId.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
