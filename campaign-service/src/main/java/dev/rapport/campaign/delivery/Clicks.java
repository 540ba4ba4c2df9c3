package dev.rapport.campaign.delivery;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;
import dev.rapport.privacy.TrackingTokens;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Engagement with a sent message. Tracked links (Campaign.track_clicks): each http(s) link of a message's text becomes the gateway's /r redirect with a
 * signed token naming the message and the destination; following it counts a click on that message (first time and
 * how many), announced once on campaign.deliveries (CLICKED) by DeliveryOutcomes. The person's other data is not in
 * the link: the message id is all it carries. The open image (Campaign.track_opens) works the same way: its token
 * names the message, showing it counts an open (OPENED, once).
 */
@ApplicationScoped
public class Clicks {
    // A link ends at whitespace, quotes or brackets; a sentence's full stop or comma after it is not part of it.
    static final Pattern LINK = Pattern.compile("https?://[^\\s<>\"'()\\[\\]{}]+?(?=[.,;:!?]*(?:[\\s<>\"'()\\[\\]{}]|$))");

    private final Pool pool;
    private final TrackingTokens tokens;
    private final String publicUrl;
    private final dev.rapport.privacy.ConsentView consent;
    private final dev.rapport.privacy.ConsentPolicy policy;

    Clicks(Pool pool, CampaignConfig config, dev.rapport.privacy.ConsentView consent, dev.rapport.privacy.ConsentPolicy policy) {
        this.pool = pool;
        this.consent = consent;
        this.policy = policy;
        this.tokens = new TrackingTokens(config.unsubscribeKey());
        String url = config.publicUrl();
        this.publicUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** The text with each link going through the tracked redirect. */
    public String track(String text, String messageId) {
        Matcher link = LINK.matcher(text);
        StringBuilder tracked = new StringBuilder();
        while (link.find()) {
            link.appendReplacement(tracked, Matcher.quoteReplacement(publicUrl + "/r?t=" + tokens.token(messageId, link.group())));
        }
        return link.appendTail(tracked).toString();
    }

    /** Counts a followed link on its message (if it was sent and is still held) and answers where it goes. */
    public Uni<String> record(String token) {
        TrackingTokens.Click click = tokens.read(token).orElseThrow(() -> new InvalidInput("token", "the token of a tracked link, as signed"));
        DeliveryOutcomes.MessageKey message = DeliveryOutcomes.MessageKey.of(click.messageId())
                .orElseThrow(() -> new InvalidInput("token", "the token of a tracked link, as signed"));
        return pool.preparedQuery("""
                UPDATE delivery SET clicks = clicks + 1, click_published = click_published AND clicked_time IS NOT NULL,
                       clicked_time = COALESCE(clicked_time, now())
                WHERE campaign_id = $1 AND profile_id = $2 AND occasion = $3 AND status = 'sent'""")
                .execute(Tuple.of(message.campaign(), message.person(), message.occasion()))
                .replaceWith(click.url());
    }

    /** The address of a message's open image (track_opens). */
    public String openImage(String messageId) {
        return publicUrl + "/o?t=" + tokens.openToken(messageId);
    }

    /**
     * Counts the open image of a message shown (if it was sent and is still held), while the person still allows
     * measuring: one who withdrew since is not counted, whatever mail they open.
     */
    public Uni<Void> recordOpen(String token) {
        DeliveryOutcomes.MessageKey message = tokens.readOpen(token).flatMap(DeliveryOutcomes.MessageKey::of)
                .orElseThrow(() -> new InvalidInput("token", "the token of an open image, as signed"));
        if (!policy.basis(consent.of(message.person().toString()), Broadcasts.OPEN_TRACKING, "email", false).allowed()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery("""
                UPDATE delivery SET opens = opens + 1, open_published = open_published AND opened_time IS NOT NULL,
                       opened_time = COALESCE(opened_time, now())
                WHERE campaign_id = $1 AND profile_id = $2 AND occasion = $3 AND status = 'sent'""")
                .execute(Tuple.of(message.campaign(), message.person(), message.occasion()))
                .replaceWithVoid();
    }
}
