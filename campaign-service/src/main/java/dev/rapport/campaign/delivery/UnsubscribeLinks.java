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

    /** The person's preference centre (the gateway's /preferences), reached with the same token. */
    public String preferences(String profileId, String purpose, String channel) {
        return publicUrl + "/preferences?t=" + tokens.token(profileId, purpose, channel);
    }

    /**
     * What closes every promotional message's text, in the person's language (BCP 47 tag; English for others): the
     * visible unsubscribe link and the preference centre, as the law asks of marketing mail.
     */
    public String footer(String profileId, String language) {
        String unsubscribe = link(profileId, "marketing.communications", "email");
        String choices = preferences(profileId, "marketing.communications", "email");
        String[] words = switch (language.toLowerCase(java.util.Locale.ROOT).split("-")[0]) {
            case "ko" -> new String[] { "수신 거부", "수신 설정" };
            case "es" -> new String[] { "Darse de baja", "Tus preferencias" };
            case "ca" -> new String[] { "Donar-se de baixa", "Les teves preferències" };
            default -> new String[] { "Unsubscribe", "Your choices" };
        };
        return "\n\n--\n" + words[0] + ": " + unsubscribe + "\n" + words[1] + ": " + choices;
    }
}
