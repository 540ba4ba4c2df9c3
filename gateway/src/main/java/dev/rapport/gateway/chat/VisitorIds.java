package dev.rapport.gateway.chat;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Anonymous visitors of the chat widget: an id the gateway signs, kept by the browser, so a visitor can come back to
 * their conversation and no one can claim another's by guessing. Later linked to a profile when the visitor signs in.
 */
@ApplicationScoped
public class VisitorIds {
    private static final String PREFIX = "v1.";
    private final SecretKeySpec key;

    VisitorIds(@ConfigProperty(name = "rapport.chat.visitor-key") String key) {
        this.key = new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
    }

    /** A new signed visitor id. */
    public String issue() {
        String id = UUID.randomUUID().toString();
        return PREFIX + id + "." + signature(id);
    }

    /** The visitor id inside a signed one, when the signature holds. */
    public Optional<String> verify(String signed) {
        if (signed == null || !signed.startsWith(PREFIX) || signed.length() > 200) {
            return Optional.empty();
        }
        String[] parts = signed.substring(PREFIX.length()).split("\\.", 2);
        if (parts.length != 2 || !MessageDigest.isEqual(signature(parts[0]).getBytes(StandardCharsets.US_ASCII),
                parts[1].getBytes(StandardCharsets.US_ASCII))) {
            return Optional.empty();
        }
        return Optional.of("visitor:" + parts[0]);
    }

    private String signature(String id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(id.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
