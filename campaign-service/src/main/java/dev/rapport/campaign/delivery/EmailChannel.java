package dev.rapport.campaign.delivery;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;

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

    /** {@code messageId}: the message's one id (DeliveryOutcomes.messageId), the local part of its Message-ID. */
    public Uni<Void> send(String to, String subject, String body, String messageId, String unsubscribeLink, boolean promotional) {
        Mail mail = Mail.withText(to, subject, body).setFrom(from)
                .addHeader("Message-ID", "<" + messageId + "@" + domain + ">");
        if (promotional) {
            mail.addHeader("List-Unsubscribe", "<" + unsubscribeLink + ">")
                    .addHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }
        return mailer.send(mail);
    }
}
