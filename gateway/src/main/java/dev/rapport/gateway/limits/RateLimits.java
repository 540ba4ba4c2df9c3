package dev.rapport.gateway.limits;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.scheduler.Scheduled;
import io.vertx.core.json.JsonObject;

/**
 * How many requests each client may make: a token bucket per client (a partner app by its client id, a person by
 * their token's subject, each from its address; a caller without a token by its address alone), refilled at
 * {@code rapport.limits.rate} per second up to {@code rapport.limits.burst}. The bucket is chosen before the token is
 * verified, so the address is part of the key: a forged token naming someone else spends a bucket of the forger's
 * address, never the victim's. Per instance; at most {@link #MAX_CLIENTS} buckets, beyond which callers are counted
 * by address alone (a flood of invented subjects does not grow memory).
 */
@ApplicationScoped
public class RateLimits {
    private final double rate;
    private final double burst;
    static final int MAX_CLIENTS = 100_000;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimits(LimitsConfig config) {
        this.rate = config.rate();
        this.burst = config.burst();
    }

    /** Takes one request from the client's bucket: 0 when allowed, else the seconds until one is (for Retry-After). */
    public long take(String authorization, String address) {
        String client = buckets.size() < MAX_CLIENTS ? clientOf(authorization, address) : "address:" + address;
        Bucket bucket = buckets.computeIfAbsent(client, key -> new Bucket(burst, System.nanoTime()));
        synchronized (bucket) {
            long now = System.nanoTime();
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.refilled) / 1e9 * rate);
            bucket.refilled = now;
            if (bucket.tokens >= 1) {
                bucket.tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / rate));
        }
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
        long now = System.nanoTime();
        buckets.entrySet().removeIf(entry -> {
            synchronized (entry.getValue()) {
                return entry.getValue().tokens + (now - entry.getValue().refilled) / 1e9 * rate >= burst;
            }
        });
    }

    private static final class Bucket {
        double tokens;
        long refilled;

        Bucket(double tokens, long refilled) {
            this.tokens = tokens;
            this.refilled = refilled;
        }
    }
}
