package dev.rapport.privacy;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * This service's copy of everyone's current consent, kept from the compacted {@code privacy.consent} topic. A
 * decision is a memory lookup; a withdrawal published by the gateway reaches it within seconds. What a decision
 * (or its absence) allows is the {@link ConsentPolicy}'s to say.
 */
@ApplicationScoped
public class ConsentView {
    /** A decision about a purpose (on a channel, "" for all) or, with purpose and channel empty, a data category. */
    public record PurposeKey(String purpose, String channel, String dataCategory) {
        public static PurposeKey purpose(String purpose, String channel) {
            return new PurposeKey(purpose, channel, "");
        }

        public static PurposeKey category(String dataCategory) {
            return new PurposeKey("", "", dataCategory);
        }
    }

    /** Granted or withdrawn, and when the person decided (null when unknown: older than any dated decision). */
    public record Decision(boolean granted, Instant time) {
    }

    /**
     * One person's consent: their decisions, the jurisdiction they were made under ("" when unknown) and a version
     * that orders updates.
     */
    public record SubjectConsent(long version, String jurisdiction, Map<PurposeKey, Decision> decisions) {
        /**
         * The decision that stands for a purpose on a channel: the newest among the person's decisions for the purpose
         * and their withdrawals of any broader one (a withdrawal of "marketing" covers "marketing.communications"; a
         * grant of "marketing" does not: consent is specific), for the channel or for all channels; on equal times the
         * more specific wins. Empty when the person never decided.
         */
        public Optional<Boolean> decision(String purpose, String channel) {
            Candidate best = null;
            for (String use = purpose; use != null; use = Taxonomy.parent(use)) {
                boolean broader = !use.equals(purpose);
                best = newer(best, only(decisions.get(PurposeKey.purpose(use, channel)), broader), use.length() * 2 + 1);
                if (!channel.isEmpty()) {
                    best = newer(best, only(decisions.get(PurposeKey.purpose(use, "")), broader), use.length() * 2);
                }
            }
            return best == null ? Optional.empty() : Optional.of(best.decision.granted());
        }

        /** A broader purpose's decision counts only when it is a withdrawal. */
        private static Decision only(Decision decision, boolean broader) {
            return decision != null && broader && decision.granted() ? null : decision;
        }

        /** The decision that stands for a data category (or a broader one's withdrawal), as {@link #decision}. */
        public Optional<Boolean> categoryDecision(String category) {
            Candidate best = null;
            for (String c = category; c != null; c = Taxonomy.parent(c)) {
                best = newer(best, only(decisions.get(PurposeKey.category(c)), !c.equals(category)), c.length());
            }
            return best == null ? Optional.empty() : Optional.of(best.decision.granted());
        }

        private record Candidate(Decision decision, int specificity) {
        }

        private static Candidate newer(Candidate held, Decision offered, int specificity) {
            if (offered == null) {
                return held;
            }
            if (held == null) {
                return new Candidate(offered, specificity);
            }
            Instant a = held.decision.time() == null ? Instant.MIN : held.decision.time();
            Instant b = offered.time() == null ? Instant.MIN : offered.time();
            int order = b.compareTo(a);
            return order > 0 || order == 0 && specificity > held.specificity ? new Candidate(offered, specificity) : held;
        }
    }

    private final Map<String, SubjectConsent> bySubject = new ConcurrentHashMap<>();

    /** Applies a state unless an equal or newer one is held: replays and reordering change nothing. */
    public void apply(String subject, SubjectConsent state) {
        bySubject.merge(subject, state, (held, offered) -> offered.version() > held.version() ? offered : held);
    }

    /** The person was erased (a tombstone): nothing of them is kept. */
    public void forget(String subject) {
        bySubject.remove(subject);
    }

    /** The person's consent; null when they never decided anything (the policy then says what holds). */
    public SubjectConsent of(String subject) {
        return bySubject.get(subject);
    }

    /** The person's standing decision for a purpose on a channel (see {@link SubjectConsent#decision}). */
    public Optional<Boolean> decision(String subject, String purpose, String channel) {
        SubjectConsent consent = bySubject.get(subject);
        return consent == null ? Optional.empty() : consent.decision(purpose, channel);
    }

    public int size() {
        return bySubject.size();
    }
}
