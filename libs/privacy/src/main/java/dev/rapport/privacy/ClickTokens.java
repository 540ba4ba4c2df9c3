package dev.rapport.privacy;

import java.util.Optional;

/**
 * The token of a tracked link in a message: which message (its id names the campaign, the person and the occasion) and
 * where the link goes, signed with the key that signs unsubscribe links (campaign-service writes them, the gateway's
 * /r redirect reads them). Only a signed destination is ever redirected to: the redirect is not an open one.
 */
public final class ClickTokens {
    /** What a valid token says. */
    public record Click(String messageId, String url) {
    }

    private static final String KIND = "click";
    private final SignedTokens tokens;

    public ClickTokens(String key) {
        this.tokens = new SignedTokens(key);
    }

    public String token(String messageId, String url) {
        return tokens.token(KIND, messageId, url);
    }

    /** The token's content if its signature holds; empty for anything else. */
    public Optional<Click> read(String token) {
        return tokens.read(token, 3, 4000).filter(parts -> parts[0].equals(KIND)).map(parts -> new Click(parts[1], parts[2]));
    }
}
