package dev.rapport.gateway.consent;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.privacy.ConsentStateConsumer;
import dev.rapport.privacy.ConsentView;
import dev.rapport.proto.privacy.v1.ConsentState;
import dev.rapport.proto.privacy.v1.ConsentSummary;
import dev.rapport.proto.privacy.v1.PurposeBasis;
import dev.rapport.proto.privacy.v1.PurposeConsent;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** A person's current consent, read from the ledger: their standing decisions and what the policy makes of them. */
@ApplicationScoped
public class ConsentStates {
    /** The purposes a summary reports a basis for (and each communication channel). */
    private static final List<String> REPORTED = List.of("essential.service", "support", "personalize", "personalize.profiling",
            "analytics", "marketing.communications", "marketing.advertising.third_party", "third_party_sharing");

    private final Pool pool;
    /** The jurisdiction an erased person's state carries here (never published: their key gets a tombstone). */
    static final String ERASED = "(erased)";

    static boolean isErased(ConsentState state) {
        return ERASED.equals(state.getJurisdiction());
    }

    private final ConsentPolicy policy;

    ConsentStates(Pool pool, ConsentPolicy policy) {
        this.pool = pool;
        this.policy = policy;
    }

    /**
     * The state {@code privacy.consent} carries for a person: for each purpose (and channel) or data category, the
     * decision made last (by decision time); null when the ledger holds nothing of them. Read in one statement, so
     * the version matches the decisions.
     */
    public Uni<ConsentState> current(SqlClient client, String subject) {
        return client.preparedQuery("""
                SELECT s.version, s.jurisdiction, s.erased, r.purpose, r.channel, r.data_category, r.granted, r.decision_time, r.method,
                       r.notice_version
                FROM consent_subject s LEFT JOIN LATERAL (
                    SELECT DISTINCT ON (purpose, channel, data_category) * FROM consent_record c WHERE c.subject = s.subject
                    ORDER BY purpose, channel, data_category, decision_time DESC, id DESC) r ON true
                WHERE s.subject = $1""")
                .execute(Tuple.of(subject))
                .map(rows -> {
                    ConsentState.Builder state = null;
                    for (Row row : rows) {
                        if (state == null) {
                            state = ConsentState.newBuilder().setSubject(subject).setVersion(row.getLong("version"))
                                    .setJurisdiction(row.getString("jurisdiction"));
                            if (row.getBoolean("erased")) {
                                return state.setJurisdiction(ERASED).build();
                            }
                        }
                        if (row.getBoolean("granted") != null) {
                            state.addPurposes(PurposeConsent.newBuilder()
                                    .setPurpose(row.getString("purpose"))
                                    .setChannel(row.getString("channel"))
                                    .setDataCategory(row.getString("data_category"))
                                    .setGranted(row.getBoolean("granted"))
                                    .setDecisionTime(Envelopes.timestamp(row.getOffsetDateTime("decision_time").toInstant()))
                                    .setMethod(row.getString("method"))
                                    .setNoticeVersion(row.getString("notice_version")));
                        }
                    }
                    return state == null ? null : state.build();
                });
    }

    /** The person's standing decisions and, for the main purposes and channels, whether the policy allows them now. */
    public Uni<ConsentSummary> summary(String subject) {
        List<dev.rapport.runtime.error.InvalidInput.Violation> problems = new java.util.ArrayList<>();
        ConsentLedger.checkSubject(subject, problems);
        if (!problems.isEmpty()) {
            throw new dev.rapport.runtime.error.InvalidInput(problems);
        }
        return current(pool, subject).map(state -> {
            if (state == null || isErased(state)) {
                throw new NotFound("no consent recorded for this person");
            }
            ConsentView.SubjectConsent consent = ConsentStateConsumer.read(state);
            ConsentSummary.Builder summary = ConsentSummary.newBuilder().setSubject(subject).setJurisdiction(state.getJurisdiction())
                    .setRegime(policy.regime(state.getJurisdiction()).name()).setVersion(state.getVersion())
                    .addAllDecisions(state.getPurposesList());
            for (String purpose : REPORTED) {
                summary.addBases(basis(consent, purpose, ""));
                if (purpose.equals("marketing.communications")) {
                    ConsentLedger.CHANNELS.stream().sorted().forEach(channel -> summary.addBases(basis(consent, purpose, channel)));
                }
            }
            return summary.build();
        });
    }

    /**
     * Whether the policy allows each of these uses ({purpose, channel}) of the person now, by their standing decisions
     * (none recorded: the defaults of the policy's default jurisdiction). An erased person is not found.
     */
    public Uni<List<PurposeBasis>> bases(String subject, List<String[]> uses) {
        return current(pool, subject).map(state -> {
            if (state != null && isErased(state)) {
                throw new NotFound("no such person");
            }
            ConsentView.SubjectConsent consent = ConsentStateConsumer.read(state != null ? state
                    : ConsentState.newBuilder().setSubject(subject).build());
            return uses.stream().map(use -> basis(consent, use[0], use[1])).toList();
        });
    }

    private PurposeBasis basis(ConsentView.SubjectConsent consent, String purpose, String channel) {
        ConsentPolicy.Basis basis = policy.basis(consent, purpose, channel, false);
        return PurposeBasis.newBuilder().setPurpose(purpose).setChannel(channel).setAllowed(basis.allowed())
                .setBasis(basis.basis()).setReason(basis.reason()).build();
    }
}
