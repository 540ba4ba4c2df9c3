package dev.rapport.gateway.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets by key: each key may spend {@code burst} at once, refilled at {@code perSecond}. At most
 * {@code maxKeys} are held; beyond that, a new key spends from its fallback's bucket (a coarser key, such as the
 * caller's address: a flood of invented keys does not grow memory, and gains nothing). Full buckets are forgotten by {@link #forgetIdle()}: a key that comes back starts full anyway.
 */
final class Budgets {
    private final double perSecond;
    private final double burst;
    private final int maxKeys;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    Budgets(double perSecond, double burst, int maxKeys) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a budget needs a positive rate and a burst of at least 1");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.maxKeys = maxKeys;
    }

    /** Spends one from the key's budget: 0 when allowed, else the whole seconds until one is (for Retry-After). */
    long take(String key, String fallback) {
        return spend(key, fallback, true);
    }

    /** The seconds until the key may spend again (0: it may now), without spending. */
    long waitFor(String key, String fallback) {
        return spend(key, fallback, false);
    }

    private long spend(String key, String fallback, boolean take) {
        if (!take && !buckets.containsKey(key)) {
            return 0; // no bucket: full; looking does not make one
        }
        String k = buckets.containsKey(key) || buckets.size() < maxKeys ? key : fallback;
        Bucket bucket = buckets.computeIfAbsent(k, x -> new Bucket(burst, System.nanoTime()));
        synchronized (bucket) {
            long now = System.nanoTime();
            bucket.tokens = Math.min(burst, bucket.tokens + (now - bucket.refilled) / 1e9 * perSecond);
            bucket.refilled = now;
            if (bucket.tokens >= 1) {
                if (take) {
                    bucket.tokens -= 1;
                }
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - bucket.tokens) / perSecond));
        }
    }

    void forgetIdle() {
        long now = System.nanoTime();
        buckets.entrySet().removeIf(entry -> {
            synchronized (entry.getValue()) {
                return entry.getValue().tokens + (now - entry.getValue().refilled) / 1e9 * perSecond >= burst;
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
