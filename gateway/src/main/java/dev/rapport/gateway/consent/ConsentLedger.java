package dev.rapport.gateway.consent;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.caller.Caller;
import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.privacy.DataCategories;
import dev.rapport.privacy.DataUses;
import dev.rapport.proto.privacy.v1.ConsentRecord;
import dev.rapport.proto.privacy.v1.ListConsentRecordsResponse;
import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import io.grpc.Status;
import io.vertx.pgclient.PgException;

/**
 * The consent ledger: every grant and withdrawal, appended and never changed. A record is durable before it is
 * answered; its effect reaches every service through {@link ConsentPublisher}.
 */
@ApplicationScoped
public class ConsentLedger {
    public static final Set<String> METHODS = Set.of("form", "api", "chat", "gpc", "unsubscribe_link", "preference_centre", "privacy_request");
    public static final Set<String> CHANNELS = Set.of("email", "sms", "push", "in_app", "webhook");
    private static final int MAX_TEXT = 200;
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(5);
    private static final String COLUMNS = "id, subject, purpose, channel, data_category, granted, decision_time, method, notice_version, "
            + "jurisdiction, recorded_by, record_time, request_id";

    /** What a Global Privacy Control signal opts out of: sale (sharing data with third parties) and sharing for ads. */
    public static final List<String> SALE_AND_SHARING = List.of("third_party_sharing", "marketing.advertising.third_party");

    private final Pool pool;
    private final ConsentPublisher publisher;
    private final dev.rapport.gateway.audit.AuditTrail trail;
    private final Clock clock;

    ConsentLedger(Pool pool, ConsentPublisher publisher, dev.rapport.gateway.audit.AuditTrail trail, Clock clock) {
        this.pool = pool;
        this.publisher = publisher;
        this.trail = trail;
        this.clock = clock;
    }

    /**
     * A request carried {@code Sec-GPC: 1} for this person: records their opt-out of sale and sharing, unless it
     * already stands (a signal on every request must not grow the ledger with every request) or the person confirmed
     * a grant after an earlier signal (the CCPA regulations let a person confirm such a choice; the signal then does
     * not overturn it again).
     */
    public Uni<Void> honourGpc(Caller caller, String subject) {
        List<Violation> problems = new ArrayList<>();
        checkSubject(subject == null ? "" : subject, problems);
        if (!problems.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("""
                SELECT u.purpose FROM unnest($2::text[]) AS u (purpose)
                LEFT JOIN LATERAL (SELECT id, granted FROM consent_record r WHERE r.subject = $1 AND r.purpose = u.purpose AND r.channel = ''
                                   ORDER BY decision_time DESC, id DESC LIMIT 1) latest ON true
                WHERE latest.id IS NULL
                   OR latest.granted AND NOT EXISTS (SELECT 1 FROM consent_record g WHERE g.subject = $1 AND g.purpose = u.purpose
                                                     AND g.method = 'gpc' AND g.id < latest.id)""")
                .execute(Tuple.of(subject, SALE_AND_SHARING.toArray(String[]::new)))
                .onItem().transformToMulti(rows -> io.smallrye.mutiny.Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> record(caller, RecordConsentRequest.newBuilder()
                        .setSubject(subject).setPurpose(row.getString("purpose")).setGranted(false).setMethod("gpc").build()))
                .collect().last().replaceWithVoid();
    }

    /**
     * Appends a decision (a grant, or a withdrawal: the same call) and publishes the person's new state. A request id
     * seen before from the same caller answers the first record and writes nothing.
     */
    public Uni<ConsentRecord> record(Caller caller, RecordConsentRequest request) {
        validate(request, clock.instant());
        Instant now = clock.instant();
        // A little clock skew is forgiven, but no decision is dated after now: it would outrank a real withdrawal.
        Instant decided = request.hasDecisionTime() ? min(Envelopes.instant(request.getDecisionTime()), now) : now;
        String requestId = request.getRequestId().isEmpty() ? null : request.getRequestId();
        return earlier(caller, requestId).flatMap(found -> found != null ? Uni.createFrom().item(sameDecision(found, request))
                : append(caller, request, decided, requestId)
                        .onFailure(ConsentLedger::isDuplicateRequest).recoverWithUni(() -> earlier(caller, requestId).map(first -> sameDecision(first, request)))
                        .call(record -> publisher.publish(record.getSubject())));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    /** A retry answers the first record; a different decision under the same key is the caller's mistake. */
    private static ConsentRecord sameDecision(ConsentRecord first, RecordConsentRequest request) {
        if (!first.getSubject().equals(request.getSubject()) || !first.getPurpose().equals(request.getPurpose())
                || !first.getChannel().equals(request.getChannel()) || !first.getDataCategory().equals(request.getDataCategory())
                || first.getGranted() != request.getGranted() || !first.getMethod().equals(request.getMethod())) {
            throw Status.FAILED_PRECONDITION.withDescription("this request id was used for a different decision").asRuntimeException();
        }
        return first;
    }

    /** Who may move a person to another jurisdiction (and so under other rules): not any app that records consent. */
    private static boolean mayChangeJurisdiction(Caller caller) {
        return caller.roles().contains("privacy-officer") || caller.roles().contains("admin");
    }

    private Uni<ConsentRecord> append(Caller caller, RecordConsentRequest request, Instant decided, String requestId) {
        // One statement: bumping the person's version locks their row, so their records and states stay in order.
        return pool.preparedQuery("""
                WITH person AS (
                    INSERT INTO consent_subject AS s (subject, jurisdiction, version) VALUES ($1, $2, 1)
                    ON CONFLICT (subject) DO UPDATE
                        SET version = s.version + 1, jurisdiction = CASE WHEN $2 = '' THEN s.jurisdiction ELSE $2 END
                        WHERE NOT s.erased AND ($2 = '' OR $2 = s.jurisdiction OR s.jurisdiction = '' OR $12)
                    RETURNING jurisdiction)
                INSERT INTO consent_record (subject, purpose, channel, data_category, granted, decision_time, method, notice_version,
                                            jurisdiction, recorded_by, request_id)
                SELECT $1, $3, $4, $5, $6, $7, $8, $9, person.jurisdiction, $10, $11 FROM person
                RETURNING\s""" + COLUMNS)
                .execute(Tuple.from(List.of(request.getSubject(), request.getJurisdiction(), request.getPurpose(), request.getChannel(),
                        request.getDataCategory(), request.getGranted(), OffsetDateTime.ofInstant(decided, ZoneOffset.UTC),
                        request.getMethod(), request.getNoticeVersion(), trail.actor(caller))).addValue(requestId).addValue(mayChangeJurisdiction(caller)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw Status.FAILED_PRECONDITION.withDescription("the person was erased, or their jurisdiction is already recorded as "
                                + "another one (only a privacy officer or an admin may change it)").asRuntimeException();
                    }
                    return toRecord(rows.iterator().next());
                });
    }

    private Uni<ConsentRecord> earlier(Caller caller, String requestId) {
        if (requestId == null) {
            return Uni.createFrom().nullItem();
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM consent_record WHERE recorded_by = $1 AND request_id = $2")
                .execute(Tuple.of(trail.actor(caller), requestId))
                .map(rows -> rows.size() == 0 ? null : toRecord(rows.iterator().next()));
    }

    private static boolean isDuplicateRequest(Throwable failure) {
        return failure instanceof PgException pg && "23505".equals(pg.getSqlState());
    }

    /**
     * The person was erased: their key on privacy.consent gets a tombstone and nothing more is recorded for them. The
     * records stay: they prove what the person decided (GDPR Art. 7(1)), kept for that alone. Answers how many.
     */
    public Uni<Long> erase(String subject) {
        return pool.preparedQuery("""
                INSERT INTO consent_subject AS s (subject, jurisdiction, version, erased) VALUES ($1, '', 1, true)
                ON CONFLICT (subject) DO UPDATE SET erased = true, version = s.version + 1 WHERE NOT s.erased""")
                .execute(Tuple.of(subject))
                .flatMap(x -> publisher.publish(subject))
                .flatMap(x -> recordsKept(subject));
    }

    /** How many records the ledger holds about a person (after an erasure: the proof of consent it keeps). */
    public Uni<Long> recordsKept(String subject) {
        return pool.preparedQuery("SELECT count(*) AS n FROM consent_record WHERE subject = $1").execute(Tuple.of(subject))
                .map(rows -> rows.iterator().next().getLong("n"));
    }

    /** Whether the person was erased (nothing more is recorded for them). */
    public Uni<Boolean> erased(String subject) {
        return pool.preparedQuery("SELECT erased FROM consent_subject WHERE subject = $1").execute(Tuple.of(subject))
                .map(rows -> rows.size() > 0 && rows.iterator().next().getBoolean("erased"));
    }

    /** Whether the person's key on privacy.consent carries a tombstone that Kafka acknowledged. */
    public Uni<Boolean> tombstoned(String subject) {
        return pool.preparedQuery("SELECT erased AND published_version = version AS gone FROM consent_subject WHERE subject = $1").execute(Tuple.of(subject))
                .map(rows -> rows.size() > 0 && rows.iterator().next().getBoolean("gone"));
    }

    /** A person's records, newest first; the page token is the id to continue below. */
    public Uni<ListConsentRecordsResponse> history(String subject, int pageSize, String pageToken) {
        List<Violation> problems = new ArrayList<>();
        checkSubject(subject, problems);
        if (pageSize < 0 || pageSize > 1000) {
            problems.add(new Violation("page_size", "from 1 to 1000 (0 for the default, 100)"));
        }
        long below = Long.MAX_VALUE;
        if (!pageToken.isEmpty()) {
            try {
                below = Long.parseLong(pageToken);
            } catch (NumberFormatException e) {
                problems.add(new Violation("page_token", "a next_page_token from an earlier answer"));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
        int size = pageSize == 0 ? 100 : pageSize;
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM consent_record WHERE subject = $1 AND id < $2 ORDER BY id DESC LIMIT $3")
                .execute(Tuple.of(subject, below, size + 1))
                .map(rows -> {
                    ListConsentRecordsResponse.Builder page = ListConsentRecordsResponse.newBuilder();
                    for (Row row : rows) {
                        if (page.getRecordsCount() == size) {
                            page.setNextPageToken(page.getRecords(size - 1).getId());
                            break;
                        }
                        page.addRecords(toRecord(row));
                    }
                    return page.build();
                });
    }

    public Uni<ConsentRecord> find(String recordId) {
        long id;
        try {
            id = Long.parseLong(recordId);
        } catch (NumberFormatException e) {
            throw new InvalidInput("record_id", "the id of a consent record");
        }
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM consent_record WHERE id = $1").execute(Tuple.of(id))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new NotFound("no consent record " + recordId);
                    }
                    return toRecord(rows.iterator().next());
                });
    }

    /** Every field of a decision checked before anything is written; all that is wrong is named at once. */
    static void validate(RecordConsentRequest request, Instant now) {
        List<Violation> problems = new ArrayList<>();
        checkSubject(request.getSubject(), problems);
        String purpose = request.getPurpose();
        String category = request.getDataCategory();
        if (purpose.isEmpty() == category.isEmpty()) {
            problems.add(new Violation(purpose.isEmpty() ? "purpose" : "data_category",
                    "a decision is about either a purpose (a data use) or a data category, not both"));
        } else if (!purpose.isEmpty() && !DataUses.isKnown(purpose)) {
            problems.add(new Violation("purpose", "not a data use of the taxonomy (e.g. marketing.communications, personalize, analytics)"));
        } else if (!purpose.isEmpty() && DataUses.isEssential(purpose)) {
            problems.add(new Violation("purpose", "essential uses do not rest on consent, so there is nothing to grant or withdraw"));
        } else if (!category.isEmpty() && !DataCategories.isKnown(category)) {
            problems.add(new Violation("data_category", "not a data category of the taxonomy (e.g. user.location.precise)"));
        }
        if (!request.getChannel().isEmpty() && (!CHANNELS.contains(request.getChannel()) || purpose.isEmpty())) {
            problems.add(new Violation("channel", "one of " + String.join(", ", CHANNELS.stream().sorted().toList())
                    + ", and only with a purpose; empty for every channel"));
        }
        if (!METHODS.contains(request.getMethod())) {
            problems.add(new Violation("method", "one of " + String.join(", ", METHODS.stream().sorted().toList())));
        }
        if (request.getGranted() && request.getNoticeVersion().isBlank()) {
            problems.add(new Violation("notice_version", "a grant names the version of the notice the person was shown"));
        }
        if (request.getNoticeVersion().length() > MAX_TEXT || request.getNoticeVersion().indexOf('\0') >= 0) {
            problems.add(new Violation("notice_version", "at most " + MAX_TEXT + " characters"));
        }
        if (!request.getJurisdiction().isEmpty() && !ConsentPolicy.isJurisdiction(request.getJurisdiction())) {
            problems.add(new Violation("jurisdiction", "an ISO 3166 country or country-region code, e.g. DE or US-CA"));
        }
        if (request.hasDecisionTime()) {
            long seconds = request.getDecisionTime().getSeconds();
            if (request.getDecisionTime().getNanos() < 0 || request.getDecisionTime().getNanos() > 999_999_999
                    || seconds > now.plus(CLOCK_SKEW).getEpochSecond() || seconds < Instant.parse("2000-01-01T00:00:00Z").getEpochSecond()) {
                problems.add(new Violation("decision_time", "when the person decided: not in the future, not before 2000"));
            }
        }
        if (request.getRequestId().length() > MAX_TEXT || request.getRequestId().indexOf('\0') >= 0) {
            problems.add(new Violation("request_id", "at most " + MAX_TEXT + " characters"));
        }
        if (!problems.isEmpty()) {
            throw new InvalidInput(problems);
        }
    }

    public static void checkSubject(String subject, List<Violation> problems) {
        try {
            UUID.fromString(subject);
            if (subject.length() != 36 || !subject.equals(subject.toLowerCase(java.util.Locale.ROOT))) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            problems.add(new Violation("subject", "a profile id (a UUID in lower case, as Rapport gives it)"));
        }
    }

    static ConsentRecord toRecord(Row row) {
        ConsentRecord.Builder record = ConsentRecord.newBuilder()
                .setId(Long.toString(row.getLong("id")))
                .setSubject(row.getString("subject"))
                .setPurpose(row.getString("purpose"))
                .setChannel(row.getString("channel"))
                .setDataCategory(row.getString("data_category"))
                .setGranted(row.getBoolean("granted"))
                .setDecisionTime(Envelopes.timestamp(row.getOffsetDateTime("decision_time").toInstant()))
                .setMethod(row.getString("method"))
                .setNoticeVersion(row.getString("notice_version"))
                .setJurisdiction(row.getString("jurisdiction"))
                .setRecordedBy(row.getString("recorded_by"))
                .setRecordTime(Envelopes.timestamp(row.getOffsetDateTime("record_time").toInstant()));
        if (row.getString("request_id") != null) {
            record.setRequestId(row.getString("request_id"));
        }
        return record.build();
    }
}
