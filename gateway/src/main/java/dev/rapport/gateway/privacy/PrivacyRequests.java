package dev.rapport.gateway.privacy;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.rapport.gateway.audit.AuditTrail;
import dev.rapport.gateway.caller.Caller;
import dev.rapport.gateway.caller.OwnProfile;
import dev.rapport.gateway.consent.ConsentLedger;
import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.proto.privacy.v1.DataSubjectRequest.Kind;
import dev.rapport.proto.privacy.v1.ListPrivacyRequestsResponse;
import dev.rapport.proto.privacy.v1.OpenPrivacyRequestRequest;
import dev.rapport.proto.privacy.v1.PrivacyRequest;
import dev.rapport.proto.privacy.v1.PrivacyRequest.Status;
import dev.rapport.proto.privacy.v1.PrivacyRequestPart;
import dev.rapport.proto.profile.v1.ExportProfileRequest;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.runtime.Progress;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Data-subject requests: opened by a privacy officer (or admin) about anyone, with how they verified the person's
 * identity, or by a signed-in customer about themselves; each with the legal deadline of the person's regime. Opening
 * one records it and its parts (one per service) in one transaction; {@link RequestFanOut} then carries it out.
 * A customer reaches only their own requests: anyone else's is "not found", like one that does not exist.
 */
@ApplicationScoped
public class PrivacyRequests {
    /** Where a request is carried out: the four services over privacy.dsr, and the gateway's own stores. */
    static final List<String> SERVICES = List.of("profile-service", "segment-service", "campaign-service", "chatbot-service");
    static final String GATEWAY = "gateway";
    static final String SIGN_IN = "keycloak";
    private static final int MAX_TEXT = 500;
    static final String COLUMNS = "id, kind, subject, subject_hash, identifiers, status, regime, jurisdiction, opened_by_role, verification, "
            + "received_time, deadline, extension_reason, completed_time, outcome";

    private final Pool pool;
    private final ProfileService profiles;
    private final ConsentPolicy policy;
    private final AuditTrail trail;
    private final OwnProfile own;
    private final Clock clock;

    private final dev.rapport.gateway.limits.SensitiveFlows flows;

    PrivacyRequests(Pool pool, @GrpcClient("profile") ProfileService profiles, ConsentPolicy policy, AuditTrail trail, OwnProfile own, Clock clock,
            dev.rapport.gateway.limits.SensitiveFlows flows) {
        this.flows = flows;
        this.pool = pool;
        this.profiles = profiles;
        this.policy = policy;
        this.trail = trail;
        this.own = own;
        this.clock = clock;
    }

    /** Who opens and follows requests about anyone. */
    static boolean isStaff(Caller caller) {
        return caller.roles().contains("privacy-officer") || caller.roles().contains("admin");
    }

    /** Every field of a request checked before anything is written or asked of another service, all at once. */
    static List<Violation> problems(OpenPrivacyRequestRequest request, boolean staff, Instant now) {
        List<Violation> problems = new ArrayList<>();
        Kind kind = request.getKind();
        if (kind == Kind.KIND_UNSPECIFIED || kind == Kind.ERASURE_CHECK || kind == Kind.UNRECOGNIZED) {
            problems.add(new Violation("kind", "ACCESS, PORTABILITY, RECTIFICATION, ERASURE, RESTRICTION or OBJECTION"));
        }
        if (staff && request.getSubject().isEmpty()) {
            problems.add(new Violation("subject", "the person's profile id"));
        } else if (staff) {
            ConsentLedger.checkSubject(request.getSubject(), problems);
        } else if (!request.getSubject().isEmpty()) {
            problems.add(new Violation("subject", "leave it empty: a customer asks about themselves"));
        }
        // Opt-outs never need proof of identity; what discloses or destroys data does (a customer's sign-in is theirs).
        boolean needsProof = kind == Kind.ACCESS || kind == Kind.PORTABILITY || kind == Kind.ERASURE || kind == Kind.RECTIFICATION;
        if (staff && needsProof && request.getVerification().isBlank()) {
            problems.add(new Violation("verification", "how the person's identity was verified (required for " + kind + ")"));
        }
        text(request.getVerification(), "verification", problems);
        text(request.getRequestId(), "request_id", problems);
        if (!request.getJurisdiction().isEmpty() && !ConsentPolicy.isJurisdiction(request.getJurisdiction())) {
            problems.add(new Violation("jurisdiction", "an ISO 3166 code such as \"DE\" or \"US-CA\""));
        }
        Instant received = !request.hasReceivedTime() ? now
                : com.google.protobuf.util.Timestamps.isValid(request.getReceivedTime()) ? Envelopes.instant(request.getReceivedTime()) : Instant.MIN;
        if (request.hasReceivedTime() && (!staff || received.isAfter(now.plusSeconds(300)) || received.isBefore(now.minus(java.time.Duration.ofDays(366))))) {
            problems.add(new Violation("received_time", staff ? "when the request reached the brand: not in the future, at most a year ago"
                    : "leave it empty: a customer's request is received when it is made"));
        }
        return problems;
    }

    public Uni<PrivacyRequest> open(Caller caller, OpenPrivacyRequestRequest request) {
        boolean staff = isStaff(caller);
        Instant now = clock.instant();
        List<Violation> problems = problems(request, staff, now);
        if (!problems.isEmpty()) {
            return Uni.createFrom().failure(new InvalidInput(problems));
        }
        Kind kind = request.getKind();
        Instant received = request.hasReceivedTime() ? Envelopes.instant(request.getReceivedTime()) : now;
        Uni<Profile> person = staff ? profile(GetProfileRequest.newBuilder().setProfileId(request.getSubject()).build())
                : own.profile(caller).invoke(found -> {
                            if (found == null) {
                                throw new NotFound("no profile is linked to this sign-in");
                            }
                        });
        return person.flatMap(profile -> mergedInto(profile).flatMap(merged -> {
            // The profile a merged-away id now lives in (profile-service answers the survivor for it).
            String subject = profile != null ? profile.getId() : request.getSubject();
            String verification = staff ? request.getVerification() : "signed in as the person (" + String.join(",", caller.roles()) + ")";
            JsonArray identifiers = new JsonArray();
            if (profile != null) {
                profile.getIdentifiersList().forEach(id -> identifiers.add(new JsonObject().put("type", id.getType().name()).put("value", id.getValue())));
            }
            // What other services hold under a merged-away id stays under it: they are told every one.
            merged.forEach(id -> identifiers.add(new JsonObject().put("type", "PROFILE_ID").put("value", id)));
            String requestKey = request.getRequestId().isEmpty() ? null : request.getRequestId();
            // A retry answers the first request; only a new one, valid, spends from the caller's budget (nothing written over it).
            return pool.withTransaction(tx -> earlier(tx, caller, requestKey).flatMap(first -> first != null ? Uni.createFrom().item(first)
                    : Uni.createFrom().voidItem().invoke(() -> flows.openPrivacyRequest(caller))
                            .flatMap(x -> jurisdiction(tx, subject, request.getJurisdiction()))
                            .flatMap(jurisdiction -> insert(tx, caller, staff, kind, subject, identifiers, jurisdiction, verification, requestKey,
                                    received.isAfter(now) ? now : received))));
        })).flatMap(id -> get(id));
    }

    /** The profiles merged into this one (from its export's merge records); none for a person profile-service does not know. */
    private Uni<List<String>> mergedInto(Profile profile) {
        if (profile == null) {
            return Uni.createFrom().item(List.of());
        }
        return profiles.exportProfile(ExportProfileRequest.newBuilder().setProfileId(profile.getId()).build())
                .filter(part -> part.hasMerge()).map(part -> part.getMerge().getMergedProfileId())
                .collect().asList();
    }

    private Uni<Profile> profile(GetProfileRequest request) {
        // A person unknown to profile-service may still be known elsewhere (a chat, a consent): the request goes on.
        return profiles.getProfile(request).onFailure(StatusRuntimeException.class)
                .recoverWithUni(failure -> ((StatusRuntimeException) failure).getStatus().getCode() == Code.NOT_FOUND
                        ? Uni.createFrom().nullItem() : Uni.createFrom().failure(failure));
    }

    private Uni<UUID> earlier(SqlClient tx, Caller caller, String requestKey) {
        if (requestKey == null) {
            return Uni.createFrom().nullItem();
        }
        return tx.preparedQuery("SELECT id FROM privacy_request WHERE opened_by = $1 AND request_key = $2").execute(Tuple.of(trail.actor(caller), requestKey))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next().getUUID("id"));
    }

    /** The jurisdiction named in the request, else the one the consent ledger holds for the person, else none (the default regime). */
    private Uni<String> jurisdiction(SqlClient tx, String subject, String named) {
        if (!named.isEmpty()) {
            return Uni.createFrom().item(named);
        }
        return tx.preparedQuery("SELECT jurisdiction FROM consent_subject WHERE subject = $1").execute(Tuple.of(subject))
                .map(rows -> rows.size() == 0 ? "" : rows.iterator().next().getString("jurisdiction"));
    }

    private Uni<UUID> insert(SqlClient tx, Caller caller, boolean staff, Kind kind, String subject, JsonArray identifiers, String jurisdiction,
            String verification, String requestKey, Instant received) {
        UUID id = UUID.randomUUID();
        ConsentPolicy.Regime regime = policy.regime(jurisdiction);
        List<String> parts = new ArrayList<>(SERVICES);
        parts.add(GATEWAY);
        if (kind == Kind.ERASURE) {
            parts.add(SIGN_IN);
        }
        return tx.preparedQuery("""
                INSERT INTO privacy_request (id, kind, subject, subject_hash, identifiers, status, regime, jurisdiction, opened_by, opened_by_role,
                                             verification, received_time, deadline, request_key)
                VALUES ($1, $2, $3, $4, $5, 'in_progress', $6, $7, $8, $9, $10, $11, $12, $13)""")
                .execute(Tuple.from(List.of(id, kind.name(), subject, trail.pseudonym(subject), identifiers, regime.name(), jurisdiction, trail.actor(caller),
                        staff ? (caller.roles().contains("privacy-officer") ? "privacy-officer" : "admin") : "customer", verification,
                        utc(received), utc(regime.requests().deadline(received, false)))).addValue(requestKey))
                .flatMap(x -> tx.preparedQuery("""
                        INSERT INTO privacy_request_part (request_id, service, step, state) SELECT $1, s, 'carry_out', 'pending' FROM unnest($2::text[]) s""")
                        .execute(Tuple.of(id, parts.toArray(String[]::new))))
                .replaceWith(id);
    }

    /** A request with its parts; null when there is none. */
    Uni<PrivacyRequest> find(SqlClient client, UUID id) {
        return client.preparedQuery("SELECT " + COLUMNS + " FROM privacy_request WHERE id = $1").execute(Tuple.of(id))
                .flatMap(rows -> rows.size() == 0 ? Uni.createFrom().nullItem()
                        : client.preparedQuery("""
                                SELECT service, step, state, attempts, records, detail, updated_time, next_attempt_time FROM privacy_request_part
                                WHERE request_id = $1 ORDER BY step, service""").execute(Tuple.of(id))
                                .map(parts -> toRequest(rows.iterator().next(), parts)));
    }

    public Uni<PrivacyRequest> get(UUID id) {
        return find(pool, id).map(found -> {
            if (found == null) {
                throw new NotFound("no such privacy request");
            }
            return found;
        });
    }

    /** A request the caller may see: staff see every one, a customer only those about themselves. */
    public Uni<PrivacyRequest> get(Caller caller, String id) {
        UUID requestId = requestId(id);
        return get(requestId).flatMap(request -> isStaff(caller) ? Uni.createFrom().item(request)
                : ownProfile(caller).map(own -> {
                    if (!own.equals(request.getSubject())) {
                        throw new NotFound("no such privacy request");
                    }
                    return request;
                }));
    }

    public Uni<ListPrivacyRequestsResponse> list(Caller caller, String subject, Status status, int pageSize, String pageToken) {
        List<Violation> problems = new ArrayList<>();
        if (!subject.isEmpty()) {
            ConsentLedger.checkSubject(subject, problems);
        }
        int size = pageSize == 0 ? 50 : pageSize;
        if (size < 0 || size > 500) {
            problems.add(new Violation("page_size", "from 1 to 500"));
        }
        Instant before = null;
        if (!pageToken.isEmpty()) {
            try {
                before = Instant.parse(pageToken);
            } catch (java.time.format.DateTimeParseException e) {
                problems.add(new Violation("page_token", "the next_page_token of an earlier answer"));
            }
        }
        if (!problems.isEmpty()) {
            return Uni.createFrom().failure(new InvalidInput(problems));
        }
        Instant until = before;
        Uni<String> who = isStaff(caller) ? Uni.createFrom().item(subject) : ownProfile(caller);
        return who.flatMap(person -> pool.preparedQuery("SELECT id, received_time FROM privacy_request "
                        + "WHERE ($1 = '' OR subject_hash = $2) AND ($3 = '' OR status = $3) AND ($4::timestamptz IS NULL OR received_time < $4) "
                        + "ORDER BY received_time DESC LIMIT $5")
                .execute(Tuple.of(person, person.isEmpty() ? "" : trail.pseudonym(person), status == Status.STATUS_UNSPECIFIED ? "" : stored(status),
                        until == null ? null : utc(until), size + 1)))
                .flatMap(rows -> {
                    List<Uni<PrivacyRequest>> found = new ArrayList<>();
                    String next = "";
                    int n = 0;
                    for (Row row : rows) {
                        if (++n > size) {
                            next = Instant.from(row.getOffsetDateTime("received_time")).plusNanos(1000).toString();
                            break;
                        }
                        found.add(get(row.getUUID("id")));
                    }
                    String nextToken = next;
                    return found.isEmpty() ? Uni.createFrom().item(ListPrivacyRequestsResponse.getDefaultInstance())
                            : Uni.join().all(found).andFailFast().map(all -> ListPrivacyRequestsResponse.newBuilder().addAllRequests(all)
                                    .setNextPageToken(nextToken).build());
                });
    }

    /** Once, before the deadline, with the reason the person is told; only where the regime allows an extension. */
    public Uni<PrivacyRequest> extend(String id, String reason) {
        List<Violation> problems = new ArrayList<>();
        UUID requestId = requestId(id);
        if (reason.isBlank()) {
            problems.add(new Violation("reason", "why more time is needed: the person is told"));
        }
        text(reason, "reason", problems);
        if (!problems.isEmpty()) {
            return Uni.createFrom().failure(new InvalidInput(problems));
        }
        return pool.withTransaction(tx -> tx.preparedQuery("SELECT regime, received_time, deadline, extension_reason, status FROM privacy_request WHERE id = $1 FOR UPDATE")
                .execute(Tuple.of(requestId))
                .flatMap(rows -> {
                    if (rows.size() == 0) {
                        throw new NotFound("no such privacy request");
                    }
                    Row row = rows.iterator().next();
                    ConsentPolicy.Regime regime = policy.regimeNamed(row.getString("regime"));
                    String refused = row.getString("extension_reason") != null ? "the deadline was already extended once"
                            : "completed".equals(row.getString("status")) ? "the request is completed"
                            : !regime.requests().extendable() ? regime.name() + " allows no extension"
                            : clock.instant().isAfter(row.getOffsetDateTime("deadline").toInstant()) ? "the deadline has passed: an extension must be told before it"
                            : null;
                    if (refused != null) {
                        throw io.grpc.Status.FAILED_PRECONDITION.withDescription(refused).asRuntimeException();
                    }
                    Instant extended = regime.requests().deadline(row.getOffsetDateTime("received_time").toInstant(), true);
                    return tx.preparedQuery("UPDATE privacy_request SET deadline = $2, extension_reason = $3 WHERE id = $1")
                            .execute(Tuple.of(requestId, utc(extended), reason));
                }))
                .flatMap(x -> get(requestId));
    }

    /** The visitor ids the person chatted as when signed in ("customer:<external id>"), from the identifiers the request holds. */
    Uni<List<String>> visitorIds(String id) {
        return pool.preparedQuery("""
                SELECT 'customer:' || (i ->> 'value') AS visitor FROM privacy_request r, jsonb_array_elements(r.identifiers) i
                WHERE r.id = $1 AND i ->> 'type' = 'EXTERNAL_ID'""").execute(Tuple.of(requestId(id)))
                .map(rows -> {
                    List<String> visitors = new ArrayList<>();
                    rows.forEach(row -> visitors.add(row.getString("visitor")));
                    return visitors;
                });
    }

    /** The signed-in customer's own profile id; one no request names when they have none. */
    private Uni<String> ownProfile(Caller caller) {
        return own.of(caller).map(id -> id.isEmpty() ? "(none)" : id);
    }

    static UUID requestId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("id", "a privacy request id (UUID)");
        }
    }

    private static void text(String value, String field, List<Violation> problems) {
        if (value.length() > MAX_TEXT) {
            problems.add(new Violation(field, "at most " + MAX_TEXT + " characters"));
        } else if (InvalidInput.hasNul(value)) {
            problems.add(new Violation(field, "no NUL characters"));
        }
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    static String stored(Status status) {
        return status.name().toLowerCase(java.util.Locale.ROOT);
    }

    private PrivacyRequest toRequest(Row row, Iterable<Row> parts) {
        Instant deadline = row.getOffsetDateTime("deadline").toInstant();
        Status status = Status.valueOf(row.getString("status").toUpperCase(java.util.Locale.ROOT));
        PrivacyRequest.Builder request = PrivacyRequest.newBuilder()
                .setId(row.getUUID("id").toString())
                .setKind(Kind.valueOf(row.getString("kind")))
                .setSubjectHash(row.getString("subject_hash"))
                .setStatus(status)
                .setRegime(row.getString("regime"))
                .setJurisdiction(row.getString("jurisdiction"))
                .setReceivedTime(Envelopes.timestamp(row.getOffsetDateTime("received_time").toInstant()))
                .setDeadline(Envelopes.timestamp(deadline))
                .setOverdue(status != Status.COMPLETED && clock.instant().isAfter(deadline))
                .setOpenedByRole(row.getString("opened_by_role"))
                .setVerification(row.getString("verification"));
        if (row.getString("subject") != null) {
            request.setSubject(row.getString("subject"));
        }
        if (row.getString("extension_reason") != null) {
            request.setExtensionReason(row.getString("extension_reason"));
        }
        if (row.getOffsetDateTime("completed_time") != null) {
            request.setCompletedTime(Envelopes.timestamp(row.getOffsetDateTime("completed_time").toInstant()));
        }
        if (row.getString("outcome") != null) {
            request.setOutcome(row.getString("outcome"));
        }
        for (Row part : parts) {
            PrivacyRequestPart.Builder p = PrivacyRequestPart.newBuilder()
                    .setService(part.getString("service"))
                    .setStep(PrivacyRequestPart.Step.valueOf(part.getString("step").toUpperCase(java.util.Locale.ROOT)))
                    .setState(PrivacyRequestPart.State.valueOf(part.getString("state").toUpperCase(java.util.Locale.ROOT)))
                    .setAttempts(part.getInteger("attempts"))
                    .setRecords(part.getLong("records"))
                    .setUpdatedTime(Envelopes.timestamp(part.getOffsetDateTime("updated_time").toInstant()));
            if (part.getString("detail") != null) {
                p.setDetail(part.getString("detail"));
            }
            if (!"completed".equals(part.getString("state"))) {
                p.setNextAttemptTime(Envelopes.timestamp(part.getOffsetDateTime("next_attempt_time").toInstant()));
            }
            request.addParts(p);
        }
        Progress progress = progress(request.getKind(), status, request.getPartsList().stream()
                .map(p -> new Part(p.getService(), p.getStep() == PrivacyRequestPart.Step.VERIFY, p.getState() == PrivacyRequestPart.State.COMPLETED))
                .toList());
        request.setProgress(progress.<dev.rapport.proto.common.v1.Progress>toMessage(dev.rapport.proto.common.v1.Progress.newBuilder()));
        return request.build();
    }

    /** A service's part as progress counts it: carrying out or verifying, and whether it completed. */
    record Part(String service, boolean verify, boolean completed) {
    }

    /**
     * Parts completed of all the request takes: each service carries it out, and an erasure's each verify it (a
     * verification that finds data sends it back to carrying out: the count goes down again). The stage names whom it
     * waits for.
     */
    static Progress progress(Kind kind, Status status, List<Part> parts) {
        long services = parts.stream().filter(p -> !p.verify()).count();
        long total = kind == Kind.ERASURE ? 2 * services : services;
        long done = parts.stream().filter(Part::completed).count();
        boolean verifying = parts.stream().anyMatch(Part::verify) && parts.stream().filter(p -> !p.verify()).allMatch(Part::completed);
        List<String> waiting = parts.stream().filter(p -> p.verify() == verifying && !p.completed()).map(Part::service).toList();
        String stage = switch (status) {
            case COMPLETED -> "completed";
            case NEEDS_REVIEW -> "needs review: data still found";
            default -> (verifying ? "verifying: " : "") + (waiting.isEmpty() ? "moving on" : "waiting for " + String.join(", ", waiting));
        };
        return new Progress(done, total, stage, status == Status.COMPLETED || status == Status.NEEDS_REVIEW);
    }
}
