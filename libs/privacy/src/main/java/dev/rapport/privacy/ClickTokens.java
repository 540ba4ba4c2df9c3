package dev.rapport.privacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

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
    private final SecretKeySpec key;

    public ClickTokens(String key) {
        this.key = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    public String token(String messageId, String url) {
        String payload = KIND + "|" + messageId + "|" + url;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + sign(payload);
    }

    /** The token's content if its signature holds; empty for anything else. */
    public Optional<Click> read(String token) {
        if (token == null || token.length() > 4000) {
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
            String[] parts = payload.split("\\|", 3);
            return parts.length == 3 && parts[0].equals(KIND) ? Optional.of(new Click(parts[1], parts[2])) : Optional.empty();
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
