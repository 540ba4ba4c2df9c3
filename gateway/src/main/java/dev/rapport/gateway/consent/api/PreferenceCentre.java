package dev.rapport.gateway.consent.api;

import java.util.ArrayList;
import java.util.List;
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
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;

import dev.rapport.gateway.audit.AuditTrail;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.gateway.caller.Caller;
import dev.rapport.gateway.config.PrivacyConfig;
import dev.rapport.gateway.consent.ConsentLedger;
import dev.rapport.gateway.consent.ConsentStates;
import dev.rapport.privacy.UnsubscribeTokens;
import dev.rapport.proto.privacy.v1.PurposeBasis;
import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import dev.rapport.runtime.error.NotFound;
import static dev.rapport.runtime.text.Html.escape;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * The preference centre behind the link in every promotional message (the same signed token as its unsubscribe link,
 * which names the person): which messages they get on which channel, and which optional uses of their data they allow.
 * Each box shows what the policy allows now (their decisions, else their jurisdiction's default). Saving records a
 * withdrawal for each box the person unticked, and a grant only for the one use the link itself is about (offers on
 * the channel the mail came by): a link that travels (a forwarded mail) can take consent away, never give more of
 * it. Only what the person changed on the page they saw is recorded: a withdrawal made meanwhile (one-click, GPC)
 * is not undone by a stale page.
 */
@Path("/preferences")
@PermitAll
public class PreferenceCentre {
    private static final Caller PAGE = new Caller("preference-centre", Set.of());

    /** A choice on the page: a use of the person's data (a purpose, on a channel for messages), in their words. */
    record Choice(String purpose, String channel, String label) {
        String field() {
            return channel.isEmpty() ? purpose : purpose + ":" + channel;
        }
    }

    static final List<Choice> MESSAGES = List.of(
            new Choice("marketing.communications", "email", "by email"),
            new Choice("marketing.communications", "sms", "by SMS"),
            new Choice("marketing.communications", "push", "as push notifications"),
            new Choice("marketing.communications", "in_app", "in the app"));
    static final List<Choice> USES = List.of(
            new Choice("personalize", "", "Suggestions chosen from what you order and browse"),
            new Choice("analytics.reporting.campaign_insights", "", "Letting us see when you open our emails"),
            new Choice("third_party_sharing", "", "Sharing your details with our partners"));

    private final UnsubscribeTokens tokens;
    private final ConsentStates states;
    private final ConsentLedger ledger;
    private final AuditTrail audit;
    private final String notice;
    private final String noticeVersion;

    PreferenceCentre(PrivacyConfig config, ConsentStates states, ConsentLedger ledger, AuditTrail audit) {
        this.tokens = new UnsubscribeTokens(config.unsubscribeKey());
        this.notice = config.policyUrl();
        this.noticeVersion = config.noticeVersion();
        this.states = states;
        this.ledger = ledger;
        this.audit = audit;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> show(@QueryParam("t") @DefaultValue("") String token) {
        UnsubscribeTokens.Unsubscribe link = link(token);
        if (link == null) {
            return Uni.createFrom().item(invalid());
        }
        return allowed(link.subject()).map(now -> page("", token, link, now))
                .onFailure(NotFound.class).recoverWithItem(PreferenceCentre::gone);
    }

    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> save(MultivaluedMap<String, String> form) {
        String token = form.getFirst("t");
        UnsubscribeTokens.Unsubscribe link = link(token);
        String shown = form.getFirst("shown");
        if (link == null) {
            return Uni.createFrom().item(invalid());
        }
        if (shown == null || !shown.matches("[01]{" + choices().size() + "}")) {
            return Uni.createFrom().item(stale());
        }
        String subject = link.subject();
        return allowed(subject).flatMap(now -> {
            List<RecordConsentRequest> changes = new ArrayList<>();
            for (int i = 0; i < choices().size(); i++) {
                Choice choice = choices().get(i);
                boolean wanted = "on".equals(form.getFirst(choice.field()));
                boolean changedOnThePage = wanted != (shown.charAt(i) == '1');
                if (changedOnThePage && wanted != now.get(i) && (!wanted || grantable(choice, link))) {
                    changes.add(RecordConsentRequest.newBuilder().setSubject(subject).setPurpose(choice.purpose()).setChannel(choice.channel())
                            .setGranted(wanted).setMethod("preference_centre").setNoticeVersion(noticeVersion).build());
                }
            }
            // one decision after the other: each is a record of its own in the ledger
            return Multi.createFrom().iterable(changes).onItem().transformToUniAndConcatenate(change -> ledger.record(PAGE, change))
                    .collect().asList()
                    .call(done -> done.isEmpty() ? Uni.createFrom().voidItem()
                            : audit.record(PAGE, "consents.preferences", Purposes.LEGAL_OBLIGATION, subject, "ok"))
                    .flatMap(done -> allowed(subject))
                    .map(saved -> page("<p role=\"status\">Saved: " + (changes.isEmpty() ? "nothing changed"
                            : changes.size() + (changes.size() == 1 ? " change" : " changes")) + ".</p>", token, link, saved));
        }).onFailure(NotFound.class).recoverWithItem(PreferenceCentre::gone);
    }

    private static List<Choice> choices() {
        List<Choice> all = new ArrayList<>(MESSAGES);
        all.addAll(USES);
        return all;
    }

    /** Whether each choice is allowed now, in the order of choices(). */
    private Uni<List<Boolean>> allowed(String subject) {
        return states.bases(subject, choices().stream().map(c -> new String[] { c.purpose(), c.channel() }).toList())
                .map(bases -> bases.stream().map(PurposeBasis::getAllowed).toList());
    }

    /** What a valid link says (the person, and the use and channel of the mail it came in); null for anything else. */
    private UnsubscribeTokens.Unsubscribe link(String token) {
        return tokens.read(token).filter(u -> dev.rapport.privacy.DataUses.isKnown(u.purpose()) && ConsentLedger.CHANNELS.contains(u.channel()))
                .orElse(null);
    }

    /** Whether a box may be ticked through this link: only the use it came with. */
    private static boolean grantable(Choice choice, UnsubscribeTokens.Unsubscribe link) {
        return choice.purpose().equals(link.purpose()) && choice.channel().equals(link.channel());
    }

    private Response page(String saved, String token, UnsubscribeTokens.Unsubscribe link, List<Boolean> allowed) {
        StringBuilder shown = new StringBuilder();
        allowed.forEach(on -> shown.append(on ? '1' : '0'));
        StringBuilder form = new StringBuilder(saved).append("<form method=\"post\"><input type=\"hidden\" name=\"t\" value=\"")
                .append(escape(token)).append("\"><input type=\"hidden\" name=\"shown\" value=\"").append(shown)
                .append("\"><fieldset><legend>Offers and news from us</legend>");
        List<Choice> all = choices();
        for (int i = 0; i < all.size(); i++) {
            if (i == MESSAGES.size()) {
                form.append("</fieldset><fieldset><legend>How we may use your data</legend>");
            }
            Choice choice = all.get(i);
            // off, and not the link's own use: it can only be turned on where the person signs in (their app)
            boolean locked = !allowed.get(i) && !grantable(choice, link);
            form.append("<label><input type=\"checkbox\" name=\"").append(choice.field()).append("\"")
                    .append(allowed.get(i) ? " checked" : "").append(locked ? " disabled" : "").append("> ").append(choice.label())
                    .append(locked ? " <small>(to turn this on, use the settings in your app)</small>" : "").append("</label><br>");
        }
        form.append("</fieldset><button type=\"submit\">Save my choices</button></form>")
                .append("<p>Messages about your orders and account still reach you: they are part of the service. How we use your data: ")
                .append("<a href=\"").append(escape(notice)).append("\">our privacy notice</a> (version ").append(escape(noticeVersion)).append(").</p>");
        String title = "Your choices";
        return Response.status(200).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).header("Cache-Control", "no-store")
                .header("Referrer-Policy", "no-referrer")
                .entity("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
                        + "<title>" + title + "</title></head><body><h1>" + title + "</h1>" + form + "</body></html>").build();
    }

    /** The link does not verify (LinkGuard counts these against the address). */
    private static Response invalid() {
        return notice(400, "Link not valid", "This link is not valid. Use the link from the message itself.");
    }

    /** A signed link whose person the brand no longer knows (erased): nothing to manage, and no guess. */
    private static Response gone() {
        return notice(410, "Nothing to manage", "There is nothing to manage for this link any more.");
    }

    /** A signed link, but the form is not one this page shows now (an old page, or a changed one). */
    private static Response stale() {
        return notice(409, "The page has changed", "Nothing was saved. Open the link from the message again to see your choices as they are now.");
    }

    private static Response notice(int status, String title, String text) {
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity("<!doctype html><html lang=\"en\"><head>"
                + "<meta charset=\"utf-8\"><title>" + title + "</title></head><body><h1>" + title + "</h1><p>" + text + "</p></body></html>").build();
    }
}
