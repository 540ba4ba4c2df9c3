package dev.rapport.segment.segment;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * The memory a set-based query over everyone may use (a preview, a full recomputation, an RFM run). With PostgreSQL's
 * default 4 MB per sort or hash, a million profiles' sorts go to disk and a NOT IN over the profiles with an event
 * ("nothing for 60 days") is no longer hashed but scanned again for every profile, for minutes. Given to the query's
 * own transaction only (SET LOCAL), so real-time work and other clients keep the server's setting.
 */
@ApplicationScoped
public class BatchWork {
    private final String workMem;

    BatchWork(@ConfigProperty(name = "rapport.segments.batch-work-mem", defaultValue = "256MB") String workMem) {
        if (!workMem.matches("[1-9][0-9]{0,6}(kB|MB|GB)")) {
            throw new IllegalArgumentException("rapport.segments.batch-work-mem: a size such as 256MB, not " + workMem);
        }
        this.workMem = workMem;
    }

    /** Gives the rest of {@code tx} the batch memory; {@code tx} must be a transaction. */
    public Uni<Void> begin(SqlClient tx) {
        return tx.query("SET LOCAL work_mem = '" + workMem + "'").execute().replaceWithVoid();
    }
}
