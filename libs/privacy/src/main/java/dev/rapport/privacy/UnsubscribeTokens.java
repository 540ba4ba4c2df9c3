package dev.rapport.privacy;

import java.util.Optional;

/**
 * The token of a one-click unsubscribe link (RFC 8058): who, for which purpose, on which channel, signed with a key
 * the sender (campaign-service) and the page that honours it (the gateway) share, so that no one can forge a link that
 * unsubscribes someone else.
 */
public final class UnsubscribeTokens {
    /** What a valid token says. */
    public record Unsubscribe(String subject, String purpose, String channel) {
    }

    private final SignedTokens tokens;

    public UnsubscribeTokens(String key) {
        this.tokens = new SignedTokens(key);
    }

    public String token(String subject, String purpose, String channel) {
        return tokens.token(subject, purpose, channel);
    }

    /** The token's content if its signature holds; empty for anything else (tampered, truncated, not a token). */
    public Optional<Unsubscribe> read(String token) {
        // a click token has three fields too, the first "click": never a profile id, so never an unsubscribe
        return tokens.read(token, 3, 1000).filter(parts -> !parts[0].equals("click") && !parts[2].contains("|"))
                .map(parts -> new Unsubscribe(parts[0], parts[1], parts[2]));
    }
}
