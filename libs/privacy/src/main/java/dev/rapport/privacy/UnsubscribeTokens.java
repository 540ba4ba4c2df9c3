package dev.rapport.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The token of a one-click unsubscribe link (RFC 8058): who, for which purpose, on which channel, signed with a key
 * the sender (campaign-service) and the page that honours it (the gateway) share, so that no one can forge a link that
 * unsubscribes someone else.
 */
public final class UnsubscribeTokens {
    /** What a valid token says. */
    public record Unsubscribe(String subject, String purpose, String channel) {
    }

    private final SecretKeySpec key;

    public UnsubscribeTokens(String key) {
        this.key = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public String token(String subject, String purpose, String channel) {
        String payload = subject + "|" + purpose + "|" + channel;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + sign(payload);
    }

    /** The token's content if its signature holds; empty for anything else (tampered, truncated, not a token). */
    public Optional<Unsubscribe> read(String token) {
        if (token == null || token.length() > 1000) {
            return Optional.empty();
        }
        int dot = token.indexOf('.');
        if (dot <= 0) {
            return Optional.empty();
        }
        try {
            String payload = new String(Base64.getUrlDecoder().decode(token.substring(0, dot)), StandardCharsets.UTF_8);
            byte[] expected = sign(payload).getBytes(StandardCharsets.US_ASCII);
            if (!MessageDigest.isEqual(expected, token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
                return Optional.empty();
            }
            String[] parts = payload.split("\\|", -1);
            return parts.length == 3 ? Optional.of(new Unsubscribe(parts[0], parts[1], parts[2])) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private String sign(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
