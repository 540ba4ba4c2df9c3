package dev.rapport.campaign.delivery;

import java.util.regex.Matcher;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;
import static dev.rapport.runtime.text.Html.escape;

import io.quarkus.mailer.Mail;
import io.quarkus.mailer.reactive.ReactiveMailer;
import io.smallrye.mutiny.Uni;

/**
 * Email over SMTP. Every promotional message carries {@code List-Unsubscribe} (a signed https link and a mailto) and
 * {@code List-Unsubscribe-Post: List-Unsubscribe=One-Click} (RFC 8058), and a Message-ID fixed per campaign,
 * person and occasion, so that a message re-sent after a crash is recognisable as the same one.
 */
@ApplicationScoped
public class EmailChannel {
    private final ReactiveMailer mailer;
    private final String from;
    private final String domain;

    EmailChannel(ReactiveMailer mailer, CampaignConfig config) {
        this.mailer = mailer;
        this.from = config.from();
        this.domain = config.messageIdDomain();
    }

    /**
     * {@code messageId}: the message's one id (DeliveryOutcomes.messageId), the local part of its Message-ID. With
     * {@code html}, the text goes as an HTML alternative too (links made links), with the open image when
     * {@code openImage} is given.
     */
    public Uni<Void> send(String to, String subject, String body, String messageId, String unsubscribeLink, boolean promotional,
            boolean html, String openImage) {
        Mail mail = Mail.withText(to, subject, body).setFrom(from)
                .addHeader("Message-ID", "<" + messageId + "@" + domain + ">");
        if (html) {
            mail.setHtml(html(body, openImage));
        }
        if (promotional) {
            mail.addHeader("List-Unsubscribe", "<" + unsubscribeLink + ">")
                    .addHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        return mailer.send(mail);
    }

    /**
     * The text as HTML: every character escaped (whatever a profile's data brought into it stays text), links made
     * links, lines kept; then the open image.
     */
    static String html(String text, String openImage) {
        StringBuilder html = new StringBuilder("<!doctype html><html><body><div style=\"white-space: pre-wrap\">");
        Matcher link = Clicks.LINK.matcher(text);
        int at = 0;
        while (link.find()) {
            html.append(escape(text.substring(at, link.start())));
            String url = escape(link.group());
            html.append("<a href=\"").append(url).append("\">").append(url).append("</a>");
            at = link.end();
        }
        html.append(escape(text.substring(at))).append("</div>");
        if (openImage != null) {
            html.append("<img src=\"").append(escape(openImage)).append("\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block\">");
        }
        return html.append("</body></html>").toString();
    }
}
