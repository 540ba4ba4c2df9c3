package dev.rapport.privacy;

import java.util.Optional;

/**
 * The tokens that let a message's engagement be counted: a tracked link (which message — its id names the campaign, the
 * person and the occasion — and where the link goes) and an email's open image (which message). Signed with the key that
 * signs unsubscribe links: campaign-service writes them, the gateway's /r redirect and /o image read them. Only a
 * signed destination is ever redirected to: the redirect is not an open one.
 */
public final class TrackingTokens {
    /** What a valid link token says. */
    public record Click(String messageId, String url) {
    }

    private static final String CLICK = "click";
    private static final String OPEN = "open";
    private final SignedTokens tokens;

    public TrackingTokens(String key) {
        this.tokens = new SignedTokens(key);
    }

    public String token(String messageId, String url) {
        return tokens.token(CLICK, messageId, url);
    }

    /** The link token's content if its signature holds; empty for anything else. */
    public Optional<Click> read(String token) {
        return tokens.read(token, 3, 4000).filter(parts -> parts[0].equals(CLICK)).map(parts -> new Click(parts[1], parts[2]));
    }

    public String openToken(String messageId) {
        return tokens.token(OPEN, messageId);
    }

    /** The message an open-image token names if its signature holds; empty for anything else (a link token included). */
    public Optional<String> readOpen(String token) {
        return tokens.read(token, 2, 1000).filter(parts -> parts[0].equals(OPEN)).map(parts -> parts[1]);
    }
}
