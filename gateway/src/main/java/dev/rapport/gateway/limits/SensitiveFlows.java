package dev.rapport.gateway.limits;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.caller.Caller;
import dev.rapport.runtime.error.TooManyRequests;
import io.quarkus.scheduler.Scheduled;

/**
 * Limits on the business flows an attacker would automate, tighter than the request rate (OWASP API6): opening
 * data-subject requests, per caller; guessing signed links (unsubscribe, preferences, tracked links), per address.
 */
@ApplicationScoped
public class SensitiveFlows {
    private final Budgets privacyRequests;
    private final Budgets badLinks;

    SensitiveFlows(LimitsConfig config) {
        this.privacyRequests = new Budgets(config.privacyRequestsPerHour() / 3600.0, config.privacyRequestsPerHour(), RateLimits.MAX_CLIENTS);
        this.badLinks = new Budgets(config.badLinksPerMinute() / 60.0, config.badLinksPerMinute(), RateLimits.MAX_CLIENTS);
    }

    /** The caller opens a data-subject request; refused (429 / RESOURCE_EXHAUSTED) over their hourly budget. */
    public void openPrivacyRequest(Caller caller) {
        long wait = privacyRequests.take(caller.id(), caller.id());
        if (wait > 0) {
            throw new TooManyRequests("too many data-subject requests from this caller; retry after " + wait + " s", wait);
        }
    }

    /** Seconds this address must wait before presenting a link again: 0 unless it presented too many bad ones. */
    long linkWait(String address) {
        return badLinks.waitFor(address, address);
    }

    /** The address presented a link that does not verify. */
    void badLink(String address) {
        badLinks.take(address, address);
    }

    @Scheduled(every = "60s")
    void forgetIdle() {
        privacyRequests.forgetIdle();
        badLinks.forgetIdle();
    }
}
