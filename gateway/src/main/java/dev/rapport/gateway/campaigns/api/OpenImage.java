package dev.rapport.gateway.campaigns.api;

import java.time.Duration;
import java.util.Base64;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import dev.rapport.gateway.config.PrivacyConfig;
import dev.rapport.privacy.TrackingTokens;
import dev.rapport.proto.campaign.v1.CampaignService;
import dev.rapport.proto.campaign.v1.RecordOpenRequest;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/**
 * An email's open image (campaign-service's Campaign.track_opens): a signed token names the message; showing the image
 * counts it opened. Always a transparent 1×1 GIF, never cached, whether the count was made or the token was not
 * valid (a broken image in someone's mail helps no one); only a valid token is counted.
 */
@Path("/o")
@PermitAll
public class OpenImage {
    private static final Logger LOG = Logger.getLogger(OpenImage.class);
    private static final Duration COUNT_WITHIN = Duration.ofMillis(800);
    private static final byte[] GIF = Base64.getDecoder().decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
    private final TrackingTokens tokens;
    private final CampaignService campaigns;

    OpenImage(PrivacyConfig config, @GrpcClient("campaign") CampaignService campaigns) {
        this.tokens = new TrackingTokens(config.unsubscribeKey());
        this.campaigns = campaigns;
    }

    @GET
    public Uni<Response> show(@QueryParam("t") @DefaultValue("") String token) {
        Response image = Response.ok(GIF, "image/gif").header("Cache-Control", "no-store, max-age=0").header("Referrer-Policy", "no-referrer")
                .build();
        if (tokens.readOpen(token).isEmpty()) {
            return Uni.createFrom().item(image);
        }
        return campaigns.recordOpen(RecordOpenRequest.newBuilder().setToken(token).build())
                .ifNoItem().after(COUNT_WITHIN).fail()
                .replaceWith(image)
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("an open was not counted: %s", failure.toString());
                    return image;
                });
    }
}
