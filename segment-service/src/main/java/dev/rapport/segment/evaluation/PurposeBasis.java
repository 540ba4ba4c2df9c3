package dev.rapport.segment.evaluation;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rapport.privacy.DataUses;
import dev.rapport.segment.definition.SqlParams;

/**
 * Whether a profile may be used for a segment's purpose. Essential uses never depend on optional consent; every other
 * purpose needs the person's grant (fail closed: jurisdiction-aware opt-out purposes come with the gateway's policy).
 */
public enum PurposeBasis {
    GRANTED(null), WITHDRAWN("consent withdrawn"), UNDECIDED("no consent recorded");

    private final String exclusion;

    PurposeBasis(String exclusion) {
        this.exclusion = exclusion;
    }

    /** Why a matching profile is left out; null when it is not. */
    public String exclusion() {
        return exclusion;
    }

    public static PurposeBasis of(String purpose, JsonNode consent) {
        if (DataUses.isEssential(purpose)) {
            return GRANTED;
        }
        Boolean decision = Evaluator.decision(consent, purpose, "");
        return decision == null ? UNDECIDED : decision ? GRANTED : WITHDRAWN;
    }

    /** Whether the basis depends on the person's consent (the row {@code c} must be joined). */
    public static boolean readsConsent(String purpose) {
        return !DataUses.isEssential(purpose);
    }

    /** SQL giving the basis's name for the row's consent {@code c}, as {@link #of}. */
    public static String sql(String purpose, SqlParams params) {
        if (DataUses.isEssential(purpose)) {
            return "'GRANTED'";
        }
        String decision = "(c.decisions ->> " + params.text(purpose) + ")::boolean";
        return "(CASE WHEN " + decision + " THEN 'GRANTED' WHEN NOT " + decision + " THEN 'WITHDRAWN' ELSE 'UNDECIDED' END)";
    }
}
