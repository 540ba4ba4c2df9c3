package dev.rapport.segment.evaluation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.privacy.ConsentPolicy.Rule;
import dev.rapport.privacy.DataUses;
import dev.rapport.segment.definition.SqlParams;

/**
 * Whether a profile may be used for a segment's purpose, as the shared consent policy (libs/privacy) decides it: per
 * the person's regime, an opt-in purpose needs a grant, an opt-out purpose holds until withdrawn, and essential uses
 * never depend on consent. The projected consent holds each purpose's standing decision and the regime's name
 * ({@link #REGIME}); a person with no consent row falls under the policy's default regime.
 */
public enum PurposeBasis {
    GRANTED(null), WITHDRAWN("consent withdrawn"), UNDECIDED("no consent recorded");

    /** The key of the projected consent that names the person's regime (no purpose starts with "@"). */
    public static final String REGIME = "@regime";

    private final String exclusion;

    PurposeBasis(String exclusion) {
        this.exclusion = exclusion;
    }

    /** Why a matching profile is left out; null when it is not. */
    public String exclusion() {
        return exclusion;
    }

    public static PurposeBasis of(ConsentPolicy policy, String purpose, JsonNode consent) {
        if (DataUses.isEssential(purpose)) {
            return GRANTED;
        }
        String regime = consent != null && consent.hasNonNull(REGIME) ? consent.get(REGIME).asText() : "";
        Boolean decision = Evaluator.decision(consent, purpose, "");
        return switch (policy.rule(policy.regimeNamed(regime), purpose, false)) {
            case NONE -> GRANTED;
            case OPT_IN -> decision == null ? UNDECIDED : decision ? GRANTED : WITHDRAWN;
            case OPT_OUT -> Boolean.FALSE.equals(decision) ? WITHDRAWN : GRANTED;
        };
    }

    /** Whether the basis depends on the person's consent (the row {@code c} must be joined). */
    public static boolean readsConsent(String purpose) {
        return !DataUses.isEssential(purpose);
    }

    /** SQL giving the basis's name for the row's consent {@code c} (NULL when the person has none), as {@link #of}. */
    public static String sql(ConsentPolicy policy, String purpose, SqlParams params) {
        if (DataUses.isEssential(purpose)) {
            return "'GRANTED'";
        }
        Rule otherwise = policy.rule(policy.fallback(), purpose, false);
        Map<Rule, List<String>> regimes = new LinkedHashMap<>();
        for (ConsentPolicy.Regime regime : policy.regimes()) {
            Rule rule = policy.rule(regime, purpose, false);
            if (regime != policy.fallback() && rule != otherwise) {
                regimes.computeIfAbsent(rule, r -> new ArrayList<>()).add(regime.name());
            }
        }
        if (regimes.isEmpty() && otherwise == Rule.NONE) {
            return "'GRANTED'";
        }
        String decision = "(c.decisions ->> " + params.text(purpose) + ")::boolean";
        if (regimes.isEmpty()) {
            return sql(otherwise, decision);
        }
        StringBuilder sql = new StringBuilder("(CASE");
        regimes.forEach((rule, names) -> sql.append(" WHEN c.decisions ->> '").append(REGIME).append("' IN (")
                .append(String.join(", ", names.stream().map(params::text).toList())).append(") THEN ").append(sql(rule, decision)));
        return sql.append(" ELSE ").append(sql(otherwise, decision)).append(" END)").toString();
    }

    private static String sql(Rule rule, String decision) {
        return switch (rule) {
            case NONE -> "'GRANTED'";
            case OPT_IN -> "(CASE WHEN " + decision + " THEN 'GRANTED' WHEN NOT " + decision + " THEN 'WITHDRAWN' ELSE 'UNDECIDED' END)";
            case OPT_OUT -> "(CASE WHEN NOT " + decision + " THEN 'WITHDRAWN' ELSE 'GRANTED' END)";
        };
    }
}
