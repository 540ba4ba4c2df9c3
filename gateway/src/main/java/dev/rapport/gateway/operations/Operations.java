package dev.rapport.gateway.operations;

import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.rapport.gateway.audit.AuditTrail;
import dev.rapport.gateway.caller.Caller;
import dev.rapport.proto.api.v1.ListOperationsResponse;
import dev.rapport.proto.api.v1.Operation;
import dev.rapport.proto.api.v1.ReportProgressRequest;
import dev.rapport.proto.common.v1.Progress;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.grpc.Status;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Long operations a client runs and reports on (rapport.api.v1.Operations): the client knows how far it is, the gateway
 * keeps the latest report so that anyone with access can ask. A name belongs to the caller running it; once that run has
 * finished, anyone allowed to report may start a new run under the same name.
 */
@ApplicationScoped
public class Operations {
    private static final Logger LOG = Logger.getLogger(Operations.class);
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,99}");
    private static final int MAX_STAGE = 200;
    private static final long MAX_UNITS = 1_000_000_000_000_000L;
    private static final String COLUMNS = "name, done, total, stage, finished, failed, started_time, updated_time, finished_time, reported_by";

    private final Pool pool;
    private final Clock clock;
    private final CurrentIdentityAssociation identity;
    private final AuditTrail trail;

    Operations(Pool pool, Clock clock, CurrentIdentityAssociation identity, AuditTrail trail) {
        this.pool = pool;
        this.clock = clock;
        this.identity = identity;
        this.trail = trail;
    }

    /** Records the calling client's latest report on its operation. Not audited: an operation holds no one's personal data. */
    public Uni<Operation> report(ReportProgressRequest request) {
        check(request);
        return identity.getDeferredIdentity().map(Caller::of).flatMap(caller -> store(caller, request));
    }

    private Uni<Operation> store(Caller caller, ReportProgressRequest request) {
        Progress p = request.getProgress();
        boolean finished = p.getFinished() || p.getFailed();
        OffsetDateTime now = OffsetDateTime.now(clock).withOffsetSameInstant(ZoneOffset.UTC);
        // A partner app by its client; a person by the keyed hash the audit trail knows them by, not their account id.
        String reporter = caller.id().startsWith("client:") ? caller.id() : "person:" + trail.pseudonym(caller.id());
        // A new run: one that says it starts, or anyone's report after someone else's finished run. The caller's own
        // unfinished run goes on; its finished run takes only a retried final report (nothing changes) — a late
        // progress report does not reopen it. Someone else's unfinished run is left alone. No row back: not taken.
        return pool.preparedQuery("""
                        INSERT INTO operation AS o (name, reported_by, done, total, stage, finished, failed, started_time, updated_time, finished_time)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $8::timestamptz, CASE WHEN $6 THEN $8::timestamptz END)
                        ON CONFLICT (name) DO UPDATE SET reported_by = EXCLUDED.reported_by, done = EXCLUDED.done, total = EXCLUDED.total,
                            stage = EXCLUDED.stage, finished = EXCLUDED.finished, failed = EXCLUDED.failed,
                            started_time = CASE WHEN $9 OR o.reported_by <> EXCLUDED.reported_by THEN EXCLUDED.started_time ELSE o.started_time END,
                            updated_time = EXCLUDED.updated_time,
                            finished_time = CASE WHEN NOT EXCLUDED.finished THEN NULL
                                WHEN o.finished AND NOT $9 AND o.reported_by = EXCLUDED.reported_by THEN o.finished_time
                                ELSE EXCLUDED.updated_time END
                        WHERE (NOT o.finished AND o.reported_by = EXCLUDED.reported_by)
                           OR (o.finished AND ($9 OR o.reported_by <> EXCLUDED.reported_by OR EXCLUDED.finished))
                        RETURNING\s""" + COLUMNS + ", (xmax = 0) AS created")
                .execute(Tuple.from(List.of(request.getName(), reporter, p.getDone(), p.getTotal(), p.getStage(), finished, p.getFailed(), now,
                        request.getStart())))
                .flatMap(rows -> {
                    if (rows.rowCount() == 0) {
                        return get(request.getName()).map(stored -> {
                            if (stored.getProgress().getFinished() && stored.getReportedBy().equals(reporter)) {
                                return stored; // a late report of the caller's own finished run: it stays finished
                            }
                            throw Status.ALREADY_EXISTS.withDescription("the operation " + request.getName()
                                    + " is being run and reported by another caller; choose another name").asRuntimeException();
                        });
                    }
                    Row row = rows.iterator().next();
                    Operation operation = toOperation(row);
                    if (row.getBoolean("created") || request.getStart() || finished) {
                        // the console line of a run's start and end; the client prints its own steps
                        LOG.infof("operation %s: %s", operation.getName(), progress(row).line("done"));
                    }
                    return Uni.createFrom().item(operation);
                });
    }

    public Uni<Operation> get(String name) {
        if (!NAME.matcher(name).matches()) {
            return Uni.createFrom().failure(new InvalidInput("name", nameRule()));
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM operation WHERE name = $1").execute(Tuple.of(name)).map(rows -> {
            if (rows.rowCount() == 0) {
                throw new NotFound("no operation " + name);
            }
            return toOperation(rows.iterator().next());
        });
    }

    public Uni<ListOperationsResponse> list(int pageSize) {
        int size = pageSize == 0 ? 50 : pageSize;
        if (size < 1 || size > 200) {
            return Uni.createFrom().failure(new InvalidInput("page_size", "from 1 to 200 (0 means 50)"));
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM operation ORDER BY updated_time DESC LIMIT $1").execute(Tuple.of(size))
                .map(rows -> {
                    ListOperationsResponse.Builder list = ListOperationsResponse.newBuilder();
                    rows.forEach(row -> list.addOperations(toOperation(row)));
                    return list.build();
                });
    }

    private static void check(ReportProgressRequest request) {
        List<Violation> problems = new ArrayList<>();
        if (!NAME.matcher(request.getName()).matches()) {
            problems.add(new Violation("name", nameRule()));
        }
        if (!request.hasProgress()) {
            problems.add(new Violation("progress", "required: done, total, stage, finished, failed"));
        } else {
            Progress p = request.getProgress();
            if (p.getDone() < 0 || p.getDone() > MAX_UNITS) {
                problems.add(new Violation("progress.done", "from 0 to " + MAX_UNITS));
            }
            if (p.getTotal() < 0 || p.getTotal() > MAX_UNITS) {
                problems.add(new Violation("progress.total", "0 (not known yet) to " + MAX_UNITS));
            } else if (p.getTotal() > 0 && p.getDone() > p.getTotal()) {
                problems.add(new Violation("progress.done", "at most progress.total (" + p.getTotal() + ")"));
            }
            if (p.getStage().length() > MAX_STAGE || p.getStage().chars().anyMatch(Character::isISOControl)) {
                problems.add(new Violation("progress.stage", "at most " + MAX_STAGE + " characters of text on one line"));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
    }

    private static String nameRule() {
        return "1 to 100 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit";
    }

    private static dev.rapport.runtime.Progress progress(Row row) {
        var p = new dev.rapport.runtime.Progress(row.getLong("done"), row.getLong("total"), row.getString("stage"), row.getBoolean("finished"));
        return row.getBoolean("failed") ? p.failedBecause(row.getString("stage")) : p;
    }

    private static Operation toOperation(Row row) {
        Operation.Builder operation = Operation.newBuilder().setName(row.getString("name")).setReportedBy(row.getString("reported_by"))
                .setProgress(progress(row).<Progress>toMessage(Progress.newBuilder()))
                .setStartedTime(Envelopes.timestamp(row.getOffsetDateTime("started_time").toInstant()))
                .setUpdatedTime(Envelopes.timestamp(row.getOffsetDateTime("updated_time").toInstant()));
        if (row.getOffsetDateTime("finished_time") != null) {
            operation.setFinishedTime(Envelopes.timestamp(row.getOffsetDateTime("finished_time").toInstant()));
        }
        return operation.build();
    }
}
