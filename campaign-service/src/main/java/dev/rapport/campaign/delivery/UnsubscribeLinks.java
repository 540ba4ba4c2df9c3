package dev.rapport.campaign.delivery;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;
import dev.rapport.privacy.UnsubscribeTokens;

/** One-click unsubscribe links (RFC 8058) to the gateway's /unsubscribe page, signed (libs/privacy UnsubscribeTokens). */
@ApplicationScoped
public class UnsubscribeLinks {
    private final UnsubscribeTokens tokens;
    private final String publicUrl;

    UnsubscribeLinks(CampaignConfig config) {
        this.tokens = new UnsubscribeTokens(config.unsubscribeKey());
        String url = config.publicUrl();
        this.publicUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    public String link(String profileId, String purpose, String channel) {
        return publicUrl + "/unsubscribe?t=" + tokens.token(profileId, purpose, channel);
    }
}
