package dev.rapport.gateway.limits;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Requests per client: a sustained rate and the burst above it that is forgiven. The defaults leave room for the
 * benchmarks' 2,000 reads/s from one partner app; a deployment sets its own (RAPPORT_LIMITS_RATE, _BURST).
 */
@ConfigMapping(prefix = "rapport.limits")
public interface LimitsConfig {
    /** Requests per second, sustained. */
    @WithDefault("5000")
    double rate();

    /** Requests at once after a quiet spell. */
    @WithDefault("10000")
    double burst();
}
