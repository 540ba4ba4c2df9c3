package dev.rapport.campaign.delivery;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;

/**
 * Push, SMS and webhook messages, each handed to the provider the operator configured for the channel
 * ({@code rapport.campaign.providers.<channel>.url}, a bearer token, a timeout) as one JSON POST with the message's id
 * as {@code Idempotency-Key}: a retry after a lost answer is the same message to the provider. A 2xx answer is sent;
 * a 4xx (but 408 and 429) is refused for good (Refused: recorded as failed, not retried); anything else is retried by
 * the sender with backoff, then failed.
 */
@ApplicationScoped
public class HttpChannels {
    /** The provider will not take this message as it is: retrying cannot help. */
    public static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** What one message says, for any of these channels. */
    public record Message(String id, String campaignId, String profileId, String to, String subject, String body) {
    }

    private final HttpClient http;
    private final Map<String, CampaignConfig.Provider> providers;

    HttpChannels(Vertx vertx, CampaignConfig config) {
        this.http = vertx.createHttpClient();
        this.providers = config.providers();
    }

    /** Whether the operator connected this channel; empty when it can send, else why not. */
    public Optional<String> unavailable(String channel) {
        return providers.containsKey(channel) && providers.get(channel).url().isPresent() ? Optional.empty()
                : Optional.of("the " + channel + " channel has no provider (rapport.campaign.providers." + channel + ".url)");
    }

    public Uni<Void> send(String channel, Message message) {
        CampaignConfig.Provider provider = providers.get(channel);
        if (unavailable(channel).isPresent()) {
            return Uni.createFrom().failure(new Refused(unavailable(channel).orElseThrow()));
        }
        JsonObject payload = switch (channel) {
            case "push" -> new JsonObject().put("message_id", message.id()).put("to", message.to())
                    .put("notification", new JsonObject().put("title", message.subject()).put("body", message.body()))
                    .put("data", new JsonObject().put("campaign_id", message.campaignId()));
            case "sms" -> new JsonObject().put("message_id", message.id()).put("to", message.to()).put("text", message.body());
            default -> new JsonObject().put("message_id", message.id()).put("campaign_id", message.campaignId())
                    .put("profile_id", message.profileId()).put("subject", message.subject()).put("body", message.body());
        };
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(provider.url().orElseThrow())
                .setTimeout(provider.timeout().toMillis()).setFollowRedirects(false)
                .putHeader("Content-Type", "application/json").putHeader("Idempotency-Key", message.id());
        provider.token().ifPresent(token -> request.putHeader("Authorization", "Bearer " + token));
        Duration timeout = provider.timeout();
        return http.request(request)
                .flatMap(call -> call.send(Buffer.buffer(payload.encode())))
                .flatMap(response -> response.body().map(body -> response.statusCode()))
                .ifNoItem().after(timeout.plusMillis(500)).failWith(() -> new IllegalStateException("the " + channel + " provider did not answer in time"))
                .map(status -> {
                    if (status >= 200 && status < 300) {
                        return null;
                    }
                    if (status >= 400 && status < 500 && status != 408 && status != 429) {
                        throw new Refused("the " + channel + " provider refused it (" + status + ")");
                    }
                    throw new IllegalStateException("the " + channel + " provider answered " + status);
                })
                .replaceWithVoid();
    }
}
