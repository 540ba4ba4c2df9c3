package dev.rapport.gateway.audit.api;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.audit.AuditTrail;
import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.gateway.audit.RecordsOfProcessing;
import dev.rapport.gateway.consent.ConsentLedger;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The audit trail for privacy officers: its entries (subjects only as keyed hashes; give a profile id to find who
 * touched that person) and the records of processing made from it and the contracts. Reading it is audited too.
 */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({ "privacy-officer", "admin" })
public class AuditResource {
    private final Pool pool;
    private final AuditTrail trail;
    private final Audited audited;
    private final RecordsOfProcessing records;

    AuditResource(Pool pool, AuditTrail trail, Audited audited, RecordsOfProcessing records) {
        this.pool = pool;
        this.trail = trail;
        this.audited = audited;
        this.records = records;
    }

    @GET
    @Path("records-of-processing")
    @Operation(summary = "Records of processing (GDPR Art. 30) for a period (default: the last 30 days): what was processed for which "
            + "purpose, how often, about how many people, and which data categories each operation and topic carries")
    public Uni<JsonObject> recordsOfProcessing(@QueryParam("from") @DefaultValue("") String from, @QueryParam("to") @DefaultValue("") String to) {
        List<Violation> problems = new ArrayList<>();
        Instant until = instant(to, "to", Instant.now(), problems);
        Instant since = instant(from, "from", until.minus(java.time.Duration.ofDays(30)), problems);
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
        return audited.run("audit.records-of-processing", Purposes.LEGAL_OBLIGATION, null, caller -> records.export(since, until));
    }

    @GET
    @Path("events")
    @Operation(summary = "Audit entries, newest first (subject: a profile id, to see who touched that person); follow nextPageToken for more")
    public Uni<JsonObject> events(@QueryParam("subject") @DefaultValue("") String subject, @QueryParam("from") @DefaultValue("") String from,
            @QueryParam("to") @DefaultValue("") String to, @QueryParam("page_size") @DefaultValue("100") int pageSize,
            @QueryParam("page_token") @DefaultValue("") String pageToken) {
        List<Violation> problems = new ArrayList<>();
        if (!subject.isEmpty()) {
            ConsentLedger.checkSubject(subject, problems);
        }
        Instant until = instant(to, "to", Instant.now(), problems);
        Instant since = instant(from, "from", Instant.EPOCH, problems);
        if (pageSize < 1 || pageSize > 1000) {
            problems.add(new Violation("page_size", "from 1 to 1000"));
        }
        long below = Long.MAX_VALUE;
        if (!pageToken.isEmpty()) {
            try {
                below = Long.parseLong(pageToken);
            } catch (NumberFormatException e) {
                problems.add(new Violation("page_token", "the nextPageToken of an earlier answer"));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
        long before = below;
        String hash = subject.isEmpty() ? "" : trail.pseudonym(subject);
        return audited.run("audit.events.list", Purposes.LEGAL_OBLIGATION, subject.isEmpty() ? null : subject, caller -> pool.preparedQuery("""
                        SELECT id, occur_time, actor, actor_roles, operation, purpose, subject, outcome FROM audit_event
                        WHERE ($1 = '' OR subject = $1) AND occur_time >= $2 AND occur_time < $3 AND id < $4
                        ORDER BY id DESC LIMIT $5""")
                .execute(Tuple.of(hash, utc(since), utc(until), before, pageSize + 1))
                .map(rows -> {
                    JsonArray events = new JsonArray();
                    String next = "";
                    for (Row row : rows) {
                        if (events.size() == pageSize) {
                            next = String.valueOf(events.getJsonObject(pageSize - 1).getLong("id"));
                            break;
                        }
                        events.add(new JsonObject().put("id", row.getLong("id")).put("time", row.getOffsetDateTime("occur_time").toInstant().toString())
                                .put("actor", row.getString("actor")).put("roles", new JsonArray(List.of((Object[]) row.getArrayOfStrings("actor_roles"))))
                                .put("operation", row.getString("operation")).put("purpose", row.getString("purpose"))
                                .put("subject", row.getString("subject")).put("outcome", row.getString("outcome")));
                    }
                    return new JsonObject().put("events", events).put("nextPageToken", next);
                }));
    }

    private static Instant instant(String text, String field, Instant otherwise, List<Violation> problems) {
        if (text.isEmpty()) {
            return otherwise;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            problems.add(new Violation(field, "an ISO 8601 instant such as 2026-11-01T00:00:00Z"));
            return otherwise;
        }
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
}
