package dev.rapport.gateway.consent.api;

import java.util.Set;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import dev.rapport.gateway.audit.AuditTrail;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.gateway.caller.Caller;
import dev.rapport.gateway.config.PrivacyConfig;
import dev.rapport.gateway.consent.ConsentLedger;
import dev.rapport.privacy.DataUses;
import dev.rapport.privacy.UnsubscribeTokens;
import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import io.smallrye.mutiny.Uni;

/**
 * The page behind every unsubscribe link. GET only asks (mail scanners open links; RFC 8058 forbids unsubscribing on
 * GET); POST — the page's button or a mail client's one-click {@code List-Unsubscribe=One-Click} — records the
 * withdrawal in the consent ledger, which takes effect for the next send.
 */
@Path("/unsubscribe")
@PermitAll
public class UnsubscribePage {
    private static final Caller LINK = new Caller("unsubscribe-link", Set.of());
    private final UnsubscribeTokens tokens;
    private final ConsentLedger ledger;
    private final AuditTrail audit;

    UnsubscribePage(PrivacyConfig config, ConsentLedger ledger, AuditTrail audit) {
        this.tokens = new UnsubscribeTokens(config.unsubscribeKey());
        this.ledger = ledger;
        this.audit = audit;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response ask(@QueryParam("t") @DefaultValue("") String token) {
        return tokens.read(token).filter(UnsubscribePage::sensible).map(u -> page(200, "Unsubscribe?",
                "<p>Stop receiving " + what(u) + "?</p><form method=\"post\"><input type=\"hidden\" name=\"t\" value=\"" + token
                        + "\"><button type=\"submit\">Unsubscribe</button></form>" + choices(token)))
                .orElseGet(UnsubscribePage::invalid);
    }

    @POST
    @Consumes({ MediaType.APPLICATION_FORM_URLENCODED, MediaType.WILDCARD })
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> unsubscribe(@QueryParam("t") @DefaultValue("") String queryToken, @jakarta.ws.rs.FormParam("t") String formToken) {
        String token = formToken != null && !formToken.isEmpty() ? formToken : queryToken;
        var request = tokens.read(token).filter(UnsubscribePage::sensible).orElse(null);
        if (request == null) {
            return Uni.createFrom().item(invalid());
        }
        return ledger.record(LINK, RecordConsentRequest.newBuilder().setSubject(request.subject()).setPurpose(request.purpose())
                        .setChannel(request.channel()).setGranted(false).setMethod("unsubscribe_link").build())
                .call(record -> audit.record(LINK, "consents.unsubscribe", Purposes.LEGAL_OBLIGATION, request.subject(), "ok"))
                .map(record -> page(200, "Unsubscribed", "<p>You will not receive " + what(request) + " any more.</p>" + choices(token)));
    }

    private static boolean sensible(UnsubscribeTokens.Unsubscribe u) {
        return DataUses.isKnown(u.purpose()) && ConsentLedger.CHANNELS.contains(u.channel());
    }

    private static String what(UnsubscribeTokens.Unsubscribe u) {
        String kind = u.purpose().startsWith("marketing") ? "marketing" : "these";
        return kind + " messages by " + (u.channel().equals("sms") ? "SMS" : u.channel().replace('_', '-'));
    }

    /** The way to the preference centre, with the same token. */
    private static String choices(String token) {
        return "<p><a href=\"/preferences?t=" + java.net.URLEncoder.encode(token, java.nio.charset.StandardCharsets.UTF_8)
                + "\">Choose what you get from us, and how</a></p>";
    }

    private static Response invalid() {
        return page(400, "Link not valid", "<p>This unsubscribe link is not valid. Use the link from the message itself.</p>");
    }

    private static Response page(int status, String title, String body) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity("<!doctype html><html lang=\"en\"><head>"
                + "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>" + title + "</title></head><body><h1>"
                + title + "</h1>" + body + "</body></html>").build();
    }
}
