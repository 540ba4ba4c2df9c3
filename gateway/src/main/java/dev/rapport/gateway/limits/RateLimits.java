package dev.rapport.gateway.limits;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.scheduler.Scheduled;
import io.vertx.core.json.JsonObject;

/**
 * How many requests each client may make: a token bucket per client (a partner app by its client id, a person by
 * their token's subject, each from its address; a caller without a token by its address alone), refilled at
 * {@code rapport.limits.rate} per second up to {@code rapport.limits.burst}. The bucket is chosen before the token is
 * verified, so the address is part of the key: a forged token naming someone else spends a bucket of the forger's
 * address, never the victim's. Per instance; at most {@link #MAX_CLIENTS} buckets, beyond which new callers are
 * counted by address alone (a flood of invented subjects does not grow memory).
 */
@ApplicationScoped
public class RateLimits {
    static final int MAX_CLIENTS = 100_000;
    private final Budgets budgets;

    RateLimits(LimitsConfig config) {
        this.budgets = new Budgets(config.rate(), config.burst(), MAX_CLIENTS);
    }

    /** Takes one request from the client's bucket: 0 when allowed, else the seconds until one is (for Retry-After). */
    public long take(String authorization, String address) {
        return budgets.take(clientOf(authorization, address), "address:" + address);
    }

    /** The client a request counts against. */
    static String clientOf(String authorization, String address) {
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String[] parts = authorization.substring(7).trim().split("\\.");
            if (parts.length == 3) {
                try {
                    JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
                    String who = claims.getString("sub", claims.getString("azp"));
                    if (who != null) {
                        return "token:" + claims.getString("azp", "") + "/" + who + "@" + address;
                    }
                } catch (RuntimeException notAToken) {
                    // counted by address, below
                }
            }
        }
        return "address:" + address;
    }

    /** Full buckets are forgotten: a client that comes back starts full anyway. */
    @Scheduled(every = "60s")
    void forgetIdle() {
        budgets.forgetIdle();
    }
}
