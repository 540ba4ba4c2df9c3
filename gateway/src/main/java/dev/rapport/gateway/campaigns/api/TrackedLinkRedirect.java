package dev.rapport.gateway.campaigns.api;

import java.net.URI;
import java.time.Duration;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import dev.rapport.gateway.config.PrivacyConfig;
import dev.rapport.privacy.TrackingTokens;
import dev.rapport.proto.campaign.v1.CampaignService;
import dev.rapport.proto.campaign.v1.RecordClickRequest;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/**
 * Where the tracked links of a message lead (campaign-service's Clicks): a signed token names the message and the
 * destination; the click is counted by campaign-service and the person goes on to the destination, even when the
 * count cannot be made just then. Only a destination signed by the sender is ever redirected to — no open redirect.
 */
@Path("/r")
@PermitAll
public class TrackedLinkRedirect {
    private static final Logger LOG = Logger.getLogger(TrackedLinkRedirect.class);
    private static final Duration COUNT_WITHIN = Duration.ofMillis(800);
    private final TrackingTokens tokens;
    private final CampaignService campaigns;

    TrackedLinkRedirect(PrivacyConfig config, @GrpcClient("campaign") CampaignService campaigns) {
        this.tokens = new TrackingTokens(config.unsubscribeKey());
        this.campaigns = campaigns;
    }

    @GET
    public Uni<Response> follow(@QueryParam("t") @DefaultValue("") String token) {
        var click = tokens.read(token).filter(c -> c.url().startsWith("https://") || c.url().startsWith("http://")).orElse(null);
        if (click == null) {
            return Uni.createFrom().item(Response.status(400).type(MediaType.TEXT_HTML)
                    .entity("<!doctype html><meta charset=\"utf-8\"><title>Link not valid</title><p>This link is not valid. Use the link from "
                            + "the message itself.</p>").build());
        }
        Response onward = Response.status(302).location(URI.create(click.url())).header("Cache-Control", "no-store")
                .header("Referrer-Policy", "no-referrer").build();
        return campaigns.recordClick(RecordClickRequest.newBuilder().setToken(token).build())
                .ifNoItem().after(COUNT_WITHIN).fail()
                .replaceWith(onward)
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("a click was not counted (the person still went on): %s", failure.toString());
                    return onward;
                });
    }
}
