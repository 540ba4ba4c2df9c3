package dev.rapport.campaign.delivery;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;

/**
 * Signed one-click unsubscribe links (RFC 8058): the token names the person, the campaign's purpose and the channel,
 * and only a holder of the key can make one, so a link cannot be forged to unsubscribe someone else.
 */
@ApplicationScoped
public class UnsubscribeLinks {
    private final SecretKeySpec key;
    private final String publicUrl;

    UnsubscribeLinks(CampaignConfig config) {
        this.key = new SecretKeySpec(config.unsubscribeKey().getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        String url = config.publicUrl();
        this.publicUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** {@code <profile>.<purpose>.<channel>.<signature>}, URL-safe. */
    public String token(String profileId, String purpose, String channel) {
        String payload = profileId + "." + purpose + "." + channel;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "." + sign(payload);
    }

    public String link(String profileId, String purpose, String channel) {
        return publicUrl + "/unsubscribe?t=" + token(profileId, purpose, channel);
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
