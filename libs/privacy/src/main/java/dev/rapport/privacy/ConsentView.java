package dev.rapport.privacy;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * This service's copy of everyone's current consent, kept from the compacted {@code privacy.consent} topic. A
 * decision is a memory lookup; a withdrawal published by the gateway reaches it within seconds.
 */
@ApplicationScoped
public class ConsentView {
    /** One person's consent: per purpose (and channel, "" for all), granted or not; version orders updates. */
    public record SubjectConsent(long version, Map<PurposeKey, Boolean> decisions) {
    }

    public record PurposeKey(String purpose, String channel) {
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

    /**
     * The person's recorded decision for a purpose on a channel: a channel-specific decision wins over one for all
     * channels; empty when they never decided (the policy then says what the default is).
     */
    public Optional<Boolean> decision(String subject, String purpose, String channel) {
        SubjectConsent consent = bySubject.get(subject);
        if (consent == null) {
            return Optional.empty();
        }
        Boolean specific = channel.isEmpty() ? null : consent.decisions().get(new PurposeKey(purpose, channel));
        return Optional.ofNullable(specific != null ? specific : consent.decisions().get(new PurposeKey(purpose, "")));
    }

    public int size() {
        return bySubject.size();
    }
}
