package dev.rapport.gateway.limits;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

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

    /**
     * Data-subject requests one caller may open per hour (and at once): an erasure or an export is heavy work across
     * every service, and a flood of them is an attack on the people named, not a use of their rights.
     */
    @WithName("privacy-requests-per-hour")
    @WithDefault("20")
    int privacyRequestsPerHour();

    /**
     * Links that do not verify (unsubscribe, preference centre, tracked links) one address may present per minute;
     * over it, that address is refused every link for a while. Valid links are not counted: a mail provider's
     * one-click unsubscribes come from few addresses.
     */
    @WithName("bad-links-per-minute")
    @WithDefault("10")
    int badLinksPerMinute();
}
