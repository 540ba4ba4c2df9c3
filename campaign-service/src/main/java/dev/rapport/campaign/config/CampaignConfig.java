package dev.rapport.campaign.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "rapport.campaign")
public interface CampaignConfig {
    /** How long marketing holds back after a bad support experience. */
    @WithDefault("72h")
    Duration supportHold();

    /** How often due deliveries are claimed and sent ("off" stops sending). */
    @WithDefault("1s")
    String deliveryInterval();

    /**
     * How old a trigger event may be and still start a journey: history loaded or replayed later starts nothing (a
     * customer's cart from last month earns no reminder today).
     */
    @WithDefault("1h")
    Duration triggerFreshness();

    /**
     * At most so many promotional messages to one person within a rolling window: under "all" across every channel,
     * under a channel's name on that channel. Transactional messages are exempt.
     */
    Map<String, FrequencyCap> frequencyCaps();

    interface FrequencyCap {
        int messages();

        Duration window();
    }

    /**
     * The service's own quiet hours for promotional messages, in each person's time zone (e.g. start-hour 21, end-hour
     * 8); unset: none beyond each campaign's.
     */
    Optional<Quiet> quietHours();

    interface Quiet {
        int startHour();

        int endHour();

        /** Drop (with the reason recorded) rather than wait until they end; unset: wait. No default: it would make the group present. */
        Optional<Boolean> drop();
    }

    /** The sender of campaign email. */
    String from();

    /** The domain of the Message-IDs (one per campaign and person). */
    @WithDefault("rapport.local")
    String messageIdDomain();

    /** Where people reach the suite (the gateway): one-click unsubscribe links point there. */
    String publicUrl();

    /** The key that signs unsubscribe links (the gateway checks them with the same key). */
    String unsubscribeKey();

    /** The providers of the push, sms and webhook channels, by channel; a channel without one sends nothing (skipped, with why). */
    Map<String, Provider> providers();

    interface Provider {
        /** Where each message is POSTed as JSON; unset: the channel is not connected. */
        Optional<String> url();

        /** Sent as a bearer token. */
        Optional<String> token();

        @WithDefault("5s")
        Duration timeout();
    }

    /** Where connected content may be fetched from, and how much of it. */
    ConnectedContentLimits connectedContent();

    interface ConnectedContentLimits {
        /** Hosts, written out ("recs.example.com"), or "*.example.com" for its subdomains; none: connected content is off. */
        Optional<List<String>> allowedHosts();

        /** Lets loopback and private addresses through (a local recommendation engine, tests); never in production. */
        @WithDefault("false")
        boolean allowPrivate();

        /** The largest answer read (bytes). */
        @WithDefault("65536")
        int maxBytes();
    }
}
