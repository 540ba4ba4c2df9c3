package dev.rapport.gateway.privacy;

import dev.rapport.runtime.db.DatabaseOutages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.rapport.gateway.caller.Caller;
import dev.rapport.gateway.config.PrivacyConfig;
import dev.rapport.gateway.consent.ConsentLedger;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequest.Kind;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.privacy.v1.PrivacyRequest;
import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import dev.rapport.proto.privacy.v1.SubjectIdentifier;
import dev.rapport.runtime.event.Envelopes;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Carries data-subject requests out: sends each to the services on {@code privacy.dsr} (naming only those that have
 * not confirmed), follows their answers on {@code privacy.dsr.progress}, sends again what failed or went unanswered
 * (backing off), and does the gateway's own part (its consent ledger, the person's Keycloak account). One slow or
 * failing service holds up only its own part; the request shows exactly what is pending. An erasure that every part
 * confirmed is then verified: every service searches its store again, and anything found is erased again and
 * searched for again. Only then is the request completed and the person's id and identifiers cleared from it.
 */
@ApplicationScoped
public class RequestFanOut {
    private static final Logger LOG = Logger.getLogger(RequestFanOut.class);
    static final String TYPE = "dev.rapport.privacy.dsr.v1";
    /** What restriction (GDPR Art. 18: storage only) and objection (Art. 21: no marketing or profiling) withdraw. */
    static final List<String> OBJECTION = List.of("marketing", "personalize", "analytics", "third_party_sharing");
    static final List<String> RESTRICTION = List.of("marketing", "personalize", "analytics", "third_party_sharing", "train_ai_system");

    private final Pool pool;
    private final ConsentLedger ledger;
    private final SignInAccounts accounts;
    private final MutinyEmitter<DataSubjectRequest> topic;
    private final Duration retryAfter;
    private final Duration retryAtMost;
    private final int verifyRounds;

    RequestFanOut(Pool pool, ConsentLedger ledger, SignInAccounts accounts,
            @Channel("privacy-dsr") MutinyEmitter<DataSubjectRequest> topic, PrivacyConfig config) {
        this.pool = pool;
        this.ledger = ledger;
        this.accounts = accounts;
        this.topic = topic;
        this.retryAfter = config.requests().retryAfter();
        this.retryAtMost = config.requests().retryAtMost();
        this.verifyRounds = config.requests().verifyRounds();
    }

    private record Due(UUID request, Kind kind, String subject, JsonArray identifiers, String step, String service, int attempts) {
    }

    /** Sends (again) every part whose time has come; then moves on any open request whose parts all answered. */
    @Scheduled(every = "${rapport.privacy.requests.sweep:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> sweep() {
        return claimDue()
                .flatMap(due -> {
                    Map<String, List<Due>> byMessage = new LinkedHashMap<>();
                    List<Due> local = new ArrayList<>();
                    for (Due part : due) {
                        if (PrivacyRequests.SERVICES.contains(part.service())) {
                            byMessage.computeIfAbsent(part.request() + "/" + part.step(), k -> new ArrayList<>()).add(part);
                        } else {
                            local.add(part);
                        }
                    }
                    return Multi.createFrom().iterable(byMessage.values()).onItem().transformToUniAndConcatenate(this::send).collect().last()
                            .flatMap(x -> Multi.createFrom().iterable(local).onItem().transformToUniAndConcatenate(this::carryOutHere).collect().last());
                })
                // Requests whose every part answered but which did not move on (an answer's own step failed, or a restart).
                .flatMap(x -> pool.query("""
                        SELECT id FROM privacy_request r WHERE status IN ('in_progress', 'verifying')
                        AND NOT EXISTS (SELECT 1 FROM privacy_request_part p WHERE p.request_id = r.id AND p.state <> 'completed') LIMIT 100""").execute())
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate((Row row) -> advance(row.getUUID("id")))
                .collect().last().replaceWithVoid()
                .onFailure().invoke(failure -> LOG.warnf("privacy requests: sweep failed, next one retries: %s", failure.toString()))
                .onFailure().recoverWithNull();
    }

    /** Marks the due parts sent (attempts + 1, the next attempt after a growing pause) and answers them; replicas take turns per part. */
    private Uni<List<Due>> claimDue() {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                WITH due AS (
                    SELECT p.request_id, p.service, p.step FROM privacy_request_part p
                    WHERE p.state <> 'completed' AND p.next_attempt_time <= now()
                    ORDER BY p.next_attempt_time LIMIT 100 FOR UPDATE SKIP LOCKED)
                UPDATE privacy_request_part p
                SET state = CASE WHEN p.state IN ('pending', 'failed') THEN 'sent' ELSE p.state END, attempts = p.attempts + 1,
                    updated_time = now(),
                    next_attempt_time = now() + make_interval(secs => least($1 * power(2, least(p.attempts, 16)), $2))
                FROM due, privacy_request r
                WHERE p.request_id = due.request_id AND p.service = due.service AND p.step = due.step AND r.id = p.request_id
                RETURNING p.request_id, p.service, p.step, p.attempts, r.kind, r.subject, r.identifiers""")
                .execute(Tuple.of(seconds(retryAfter), seconds(retryAtMost)))
                .map(rows -> {
                    List<Due> due = new ArrayList<>();
                    for (Row row : rows) {
                        due.add(new Due(row.getUUID("request_id"), Kind.valueOf(row.getString("kind")), row.getString("subject"),
                                (JsonArray) row.getValue("identifiers"), row.getString("step"), row.getString("service"), row.getInteger("attempts")));
                    }
                    return due;
                }));
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    /** One message for the parts of one request (and step) that are due: the services it names act, the others ignore it. */
    private Uni<Void> send(List<Due> parts) {
        Due first = parts.get(0);
        boolean check = first.step().equals("verify");
        DataSubjectRequest.Builder message = DataSubjectRequest.newBuilder()
                .setRequestId(first.request().toString())
                .setSubject(first.subject())
                .setKind(check ? Kind.ERASURE_CHECK : first.kind())
                .addAllServices(parts.stream().map(Due::service).toList());
        for (Object id : first.identifiers()) {
            JsonObject identifier = (JsonObject) id;
            message.addIdentifiers(SubjectIdentifier.newBuilder().setType(identifier.getString("type")).setValue(identifier.getString("value")));
        }
        message.setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), "rapport/gateway", TYPE, first.subject(),
                first.request() + "/" + first.step() + "/" + first.attempts()));
        return topic.sendMessage(Message.of(message.build())
                        .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(first.subject()).build()))
                .onFailure().recoverWithUni(failure -> Multi.createFrom().iterable(parts)
                        .onItem().transformToUniAndConcatenate(part -> record(part.request(), part.service(), part.step(), "failed", 0,
                                "not sent: Kafka did not take it (" + failure.getClass().getSimpleName() + "); sent again later", false))
                        .collect().last().replaceWithVoid());
    }

    /** The gateway's own part: its consent ledger, and (erasure) the person's sign-in account. */
    private Uni<Void> carryOutHere(Due part) {
        boolean check = part.step().equals("verify");
        Uni<Outcome> outcome = switch (part.service()) {
            case PrivacyRequests.SIGN_IN -> check ? accounts.count(userNames(part.identifiers()))
                    .map(found -> new Outcome(found.customers(), (found.customers() == 0 ? "no sign-in account left" : found.customers()
                            + " sign-in account(s) still exist") + staffAccounts(found.others())))
                    : accounts.delete(userNames(part.identifiers()))
                            .map(done -> new Outcome(done.customers(), (done.customers() == 0 ? "no sign-in account held" : "sign-in account deleted")
                                    + staffAccounts(done.others())));
            default -> check ? verifyLedger(part) : carryOutInLedger(part);
        };
        return outcome
                .flatMap(done -> record(part.request(), part.service(), part.step(), "completed", done.records(), done.detail(), true))
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("privacy request %s: %s's part failed (sent again later): %s", part.request(), part.service(), failure.toString());
                    return record(part.request(), part.service(), part.step(), "failed", 0, "failed (" + failure.getClass().getSimpleName()
                            + "); retried later", false);
                });
    }

    private record Outcome(long records, String detail) {
    }

    private Uni<Outcome> carryOutInLedger(Due part) {
        String subject = part.subject();
        return switch (part.kind()) {
            case ERASURE -> Multi.createFrom().iterable(profiles(part)).onItem().transformToUniAndConcatenate(ledger::erase)
                    .collect().with(java.util.stream.Collectors.summingLong(Long::longValue))
                    .map(kept -> new Outcome(0, "consent withdrawn from every service (tombstone on privacy.consent); " + kept
                            + " ledger record(s) kept as proof of consent"));
            case ACCESS, PORTABILITY -> ledger.recordsKept(subject).map(n -> new Outcome(n, "export ready: Consents.ListConsentRecords"));
            case RESTRICTION, OBJECTION -> ledger.erased(subject).flatMap(erased -> erased
                    ? Uni.createFrom().item(new Outcome(0, "the person was erased: nothing is processed to restrict"))
                    : withdraw(part, part.kind() == Kind.RESTRICTION ? RESTRICTION : OBJECTION)
                            .map(n -> new Outcome(n, "withdrawn everywhere (privacy.consent): " + String.join(", ",
                                    part.kind() == Kind.RESTRICTION ? RESTRICTION : OBJECTION))));
            default -> Uni.createFrom().item(new Outcome(0, "consent records are not rewritten: a new decision supersedes them"));
        };
    }

    /** Restriction and objection take effect wherever data is used: as withdrawals every service's consent view applies. */
    private Uni<Long> withdraw(Due part, List<String> purposes) {
        Caller request = new Caller("privacy-request:" + part.request(), Set.of("privacy-officer"));
        return Multi.createFrom().iterable(purposes)
                .onItem().transformToUniAndConcatenate(purpose -> ledger.record(request, RecordConsentRequest.newBuilder()
                        .setSubject(part.subject()).setPurpose(purpose).setGranted(false).setMethod("privacy_request")
                        .setRequestId(part.request() + "/" + purpose).build()))
                .collect().asList().map(records -> (long) records.size());
    }

    /** The subject and the profiles merged into it: consent recorded under a merged-away id stays under it. */
    private static List<String> profiles(Due part) {
        List<String> profiles = new ArrayList<>(List.of(part.subject()));
        for (Object id : part.identifiers()) {
            JsonObject identifier = (JsonObject) id;
            if ("PROFILE_ID".equals(identifier.getString("type"))) {
                profiles.add(identifier.getString("value"));
            }
        }
        return profiles;
    }

    private Uni<Outcome> verifyLedger(Due part) {
        return Multi.createFrom().iterable(profiles(part)).onItem().transformToUniAndConcatenate(this::verifyLedger)
                .collect().asList()
                .map(outcomes -> outcomes.stream().filter(o -> o.records() > 0).findFirst()
                        .orElse(new Outcome(0, outcomes.stream().map(Outcome::detail).filter(d -> !d.equals("nothing held")).findFirst()
                                .orElse("nothing held"))));
    }

    private Uni<Outcome> verifyLedger(String subject) {
        return ledger.tombstoned(subject).flatMap(gone -> ledger.recordsKept(subject).map(kept -> gone
                ? new Outcome(0, kept == 0 ? "nothing held" : "kept: " + kept + " consent record(s), the proof of the person's decisions "
                        + "(GDPR Art. 7(1), 17(3)(e)); audit entries name only a keyed hash")
                : new Outcome(1, "the consent state is not yet replaced by a tombstone on privacy.consent")));
    }

    private static String staffAccounts(long others) {
        return others == 0 ? "" : "; for review, not deleted: " + others + " account(s) with staff roles under the person's external id";
    }

    private static List<String> userNames(JsonArray identifiers) {
        List<String> names = new ArrayList<>();
        for (Object id : identifiers) {
            JsonObject identifier = (JsonObject) id;
            if ("EXTERNAL_ID".equals(identifier.getString("type"))) {
                names.add(identifier.getString("value"));
            }
        }
        return names;
    }

    /** A service's answer. Read twice, it changes nothing more: a completed part stays completed. */
    @Incoming("privacy-dsr-progress")
    public Uni<Void> onProgress(DataSubjectRequestProgress progress) {
        UUID request;
        try {
            request = UUID.fromString(progress.getRequestId());
        } catch (IllegalArgumentException e) {
            LOG.warnf("privacy.dsr.progress: a report without a request id from %s, ignored", progress.getService());
            return Uni.createFrom().voidItem();
        }
        String step = progress.getKind() == Kind.ERASURE_CHECK ? "verify" : "carry_out";
        String state = switch (progress.getState()) {
            case STARTED -> "started";
            case COMPLETED -> "completed";
            case FAILED -> "failed";
            default -> null;
        };
        if (state == null) {
            return Uni.createFrom().voidItem();
        }
        return DatabaseOutages.waitedOut("recording a data-subject request's progress",
                () -> record(request, progress.getService(), step, state, progress.getRecordsAffected(), progress.getDetail(), true));
    }

    /**
     * Writes a part's state (never over a completed one; "started" never over a failure) and moves the request on. A
     * failed part is sent again once its pause (set when it was sent) is over.
     */
    private Uni<Void> record(UUID request, String service, String step, String state, long records, String detail, boolean advance) {
        return pool.preparedQuery("""
                UPDATE privacy_request_part SET state = $4, records = $5, detail = $6, updated_time = now()
                WHERE request_id = $1 AND service = $2 AND step = $3 AND state <> 'completed' AND NOT ($4 = 'started' AND state = 'failed')""")
                .execute(Tuple.from(List.of(request, service, step, state, records, detail)))
                .flatMap(updated -> advance && updated.rowCount() > 0 ? advance(request) : Uni.createFrom().voidItem());
    }

    /**
     * Moves a request on when every part of its step has answered: an erasure goes to verification; a verification
     * that found something sends the erasure again to those services; anything else is completed.
     */
    Uni<Void> advance(UUID request) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                SELECT kind, status, verify_rounds FROM privacy_request WHERE id = $1 AND status IN ('in_progress', 'verifying') FOR UPDATE""")
                .execute(Tuple.of(request))
                .flatMap(rows -> rows.size() == 0 ? Uni.createFrom().voidItem()
                        : tx.preparedQuery("SELECT service, step, state, records, detail FROM privacy_request_part WHERE request_id = $1 ORDER BY service")
                                .execute(Tuple.of(request))
                                .flatMap(parts -> advance(tx, request, Kind.valueOf(rows.iterator().next().getString("kind")),
                                        rows.iterator().next().getInteger("verify_rounds"), parts))));
    }

    private Uni<Void> advance(SqlClient tx, UUID request, Kind kind, int rounds, Iterable<Row> parts) {
        List<Row> carryOut = new ArrayList<>();
        List<Row> verify = new ArrayList<>();
        parts.forEach(part -> (part.getString("step").equals("verify") ? verify : carryOut).add(part));
        // the console's progress line, as GET /privacy-requests/{id} shows it
        LOG.infof("privacy request %s: %s", request, PrivacyRequests.progress(kind, PrivacyRequest.Status.IN_PROGRESS,
                java.util.stream.Stream.concat(carryOut.stream(), verify.stream()).map(p -> new PrivacyRequests.Part(p.getString("service"),
                        p.getString("step").equals("verify"), completed(p))).toList()).line("parts"));
        if (!carryOut.stream().allMatch(RequestFanOut::completed)) {
            return Uni.createFrom().voidItem();
        }
        if (kind != Kind.ERASURE) {
            return complete(tx, request, summary(carryOut, false), false);
        }
        List<String> unverified = carryOut.stream().map(p -> p.getString("service"))
                .filter(service -> verify.stream().noneMatch(v -> v.getString("service").equals(service))).toList();
        if (!unverified.isEmpty()) {
            return tx.preparedQuery("""
                    INSERT INTO privacy_request_part (request_id, service, step, state) SELECT $1, s, 'verify', 'pending' FROM unnest($2::text[]) s
                    ON CONFLICT DO NOTHING""").execute(Tuple.of(request, unverified.toArray(String[]::new)))
                    .flatMap(x -> tx.preparedQuery("UPDATE privacy_request SET status = 'verifying' WHERE id = $1").execute(Tuple.of(request)))
                    .replaceWithVoid();
        }
        if (!verify.stream().allMatch(RequestFanOut::completed)) {
            return Uni.createFrom().voidItem();
        }
        String[] left = verify.stream().filter(v -> v.getLong("records") > 0).map(v -> v.getString("service")).toArray(String[]::new);
        if (left.length > 0 && rounds + 1 >= verifyRounds) {
            // Erasing again has not helped: a person must look (what is left, and where, is in the outcome).
            LOG.warnf("privacy request %s: data still found in %s after %d rounds; left for review", request, String.join(", ", left), rounds + 1);
            return tx.preparedQuery("""
                    UPDATE privacy_request SET status = 'needs_review', verify_rounds = verify_rounds + 1, outcome = $2 WHERE id = $1""")
                    .execute(Tuple.of(request, "erased, but after " + (rounds + 1) + " verification rounds data is still found: "
                            + summary(verify.stream().filter(v -> v.getLong("records") > 0).toList(), false)))
                    .replaceWithVoid();
        }
        if (left.length > 0) {
            LOG.warnf("privacy request %s: verification found data left in %s; erasing there again", request, String.join(", ", left));
            return tx.preparedQuery("DELETE FROM privacy_request_part WHERE request_id = $1 AND step = 'verify' AND service = ANY($2)")
                    .execute(Tuple.of(request, left))
                    .flatMap(x -> tx.preparedQuery("""
                            UPDATE privacy_request_part SET state = 'pending', next_attempt_time = now(), updated_time = now(),
                                detail = 'erasing again: the verification found data left'
                            WHERE request_id = $1 AND step = 'carry_out' AND service = ANY($2)""").execute(Tuple.of(request, left)))
                    .flatMap(x -> tx.preparedQuery("UPDATE privacy_request SET status = 'in_progress', verify_rounds = verify_rounds + 1 WHERE id = $1")
                            .execute(Tuple.of(request)))
                    .replaceWithVoid();
        }
        return complete(tx, request, "erased; verified: nothing left. " + summary(verify, true), true);
    }

    private static boolean completed(Row part) {
        return part.getString("state").equals("completed");
    }

    /** What each service did (or, verifying, what it keeps and why). */
    private static String summary(List<Row> parts, boolean keptOnly) {
        List<String> lines = new ArrayList<>();
        for (Row part : parts) {
            String detail = part.getString("detail") == null ? "" : part.getString("detail");
            if (!keptOnly || detail.contains("kept") || detail.contains("for review")) {
                lines.add(part.getString("service") + ": " + (keptOnly ? "" : part.getLong("records") + " record(s), ") + detail);
            }
        }
        return String.join("; ", lines);
    }

    /**
     * Completes a request. A verified erasure forgets whom it was about, in it and in the person's earlier completed
     * requests (the keyed hash stays, as in the audit trail).
     */
    private Uni<Void> complete(SqlClient tx, UUID request, String outcome, boolean forgetSubject) {
        return tx.preparedQuery("""
                UPDATE privacy_request SET status = 'completed', completed_time = now(), outcome = $2 WHERE id = $1""")
                .execute(Tuple.of(request, outcome))
                .flatMap(x -> !forgetSubject ? Uni.createFrom().voidItem() : tx.preparedQuery("""
                        UPDATE privacy_request SET subject = NULL, identifiers = '[]'::jsonb
                        WHERE subject_hash = (SELECT subject_hash FROM privacy_request WHERE id = $1) AND status IN ('completed', 'needs_review')""")
                        .execute(Tuple.of(request)).replaceWithVoid())
                .invoke(() -> LOG.infof("privacy request %s completed", request))
                .replaceWithVoid();
    }
}
