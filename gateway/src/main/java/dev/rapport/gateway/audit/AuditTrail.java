package dev.rapport.gateway.audit;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.rapport.gateway.caller.Caller;
import dev.rapport.runtime.GroupCommit;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Records every use of personal data through the gateway, naming the subject only by a keyed hash. */
@ApplicationScoped
public class AuditTrail {
    private final Pool pool;
    private final SecretKeySpec subjectKey;
    private final GroupCommit<AuditRecord, Void> batches = new GroupCommit<>(1000, this::write);

    AuditTrail(Pool pool, @ConfigProperty(name = "rapport.audit.subject-key") String subjectKey) {
        this.pool = pool;
        this.subjectKey = new SecretKeySpec(subjectKey.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** Durable before it returns: an operation is not answered until its audit record is committed. */
    public Uni<Void> record(Caller caller, String operation, String purpose, String subjectId, String outcome) {
        return batches.submit(new AuditRecord(actor(caller), String.join(",", caller.roles()), operation, purpose,
                subjectId == null || subjectId.isEmpty() ? null : pseudonym(subjectId), outcome));
    }

    private record AuditRecord(String actor, String roles, String operation, String purpose, String subject, String outcome) {
    }

    /** Many records, one insert and one commit: auditing every read must not cost a disk sync per read. */
    private Uni<List<Void>> write(List<AuditRecord> batch) {
        return pool.preparedQuery("""
                INSERT INTO audit_event (actor, actor_roles, operation, purpose, subject, outcome)
                SELECT a, string_to_array(r, ','), o, p, s, x
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t (a, r, o, p, s, x)""")
                .execute(Tuple.tuple(List.of(
                        batch.stream().map(AuditRecord::actor).toArray(String[]::new),
                        batch.stream().map(AuditRecord::roles).toArray(String[]::new),
                        batch.stream().map(AuditRecord::operation).toArray(String[]::new),
                        batch.stream().map(AuditRecord::purpose).toArray(String[]::new),
                        batch.stream().map(AuditRecord::subject).toArray(String[]::new),
                        batch.stream().map(AuditRecord::outcome).toArray(String[]::new))))
                .map(done -> java.util.Collections.nCopies(batch.size(), (Void) null));
    }

    /**
     * Who acted, as records name them: staff and partner apps by their account; a customer by a keyed hash of theirs,
     * since beside the hash of their own profile their user name would name the subject after all.
     */
    public String actor(Caller caller) {
        return caller.isCustomer() ? "customer:" + pseudonym(caller.id()) : caller.id();
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
