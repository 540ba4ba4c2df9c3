package dev.rapport.campaign.delivery;

import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;
import dev.rapport.privacy.ClickTokens;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Tracked links (Campaign.track_clicks): each http(s) link of a message's text becomes the gateway's /r redirect with a
 * signed token naming the message and the destination; following it counts a click on that message (first time and
 * how many), announced once on campaign.deliveries (CLICKED) by DeliveryOutcomes. The person's other data is not in
 * the link: the message id is all it carries.
 */
@ApplicationScoped
public class Clicks {
    // A link ends at whitespace, quotes or brackets; a sentence's full stop or comma after it is not part of it.
    private static final Pattern LINK = Pattern.compile("https?://[^\\s<>\"'()\\[\\]{}]+?(?=[.,;:!?]*(?:[\\s<>\"'()\\[\\]{}]|$))");

    private final Pool pool;
    private final ClickTokens tokens;
    private final String publicUrl;

    Clicks(Pool pool, CampaignConfig config) {
        this.pool = pool;
        this.tokens = new ClickTokens(config.unsubscribeKey());
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
        ClickTokens.Click click = tokens.read(token).orElseThrow(() -> new InvalidInput("token", "the token of a tracked link, as signed"));
        String[] id = click.messageId().split("\\.", 3);
        UUID campaign;
        UUID person;
        try {
            campaign = UUID.fromString(id[0]);
            person = UUID.fromString(id[1]);
        } catch (RuntimeException e) {
            throw new InvalidInput("token", "the token of a tracked link, as signed");
        }
        String occasion = id.length == 3 ? id[2].replace('.', '/') : "";
        return pool.preparedQuery("""
                UPDATE delivery SET clicks = clicks + 1, click_published = click_published AND clicked_time IS NOT NULL,
                       clicked_time = COALESCE(clicked_time, now())
                WHERE campaign_id = $1 AND profile_id = $2 AND occasion = $3 AND status = 'sent'""")
                .execute(Tuple.of(campaign, person, occasion))
                .replaceWith(click.url());
    }
}
