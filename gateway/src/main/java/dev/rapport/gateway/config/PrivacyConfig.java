package dev.rapport.gateway.config;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Who answers for the data (named in consent receipts), what the site declares about Global Privacy Control, the key
 * of unsubscribe links, and how data-subject requests are carried out.
 */
@ConfigMapping(prefix = "rapport.privacy")
public interface PrivacyConfig {
    Controller controller();

    /** A deployment's own consent policy (read by libs/privacy ConsentPolicySource); the standard one when absent. */
    Optional<Path> policyFile();

    /** The key unsubscribe links are signed with (campaign-service signs with the same). */
    String unsubscribeKey();

    /** The privacy notice every receipt points to. */
    @WithDefault("https://rapport.local/privacy")
    String policyUrl();

    /** The version of that notice the suite's own pages (the preference centre) show and record grants under. */
    @WithDefault("2026-11-23")
    String noticeVersion();

    /** The date gpc.json gives as its lastUpdate. */
    @WithDefault("2026-11-23")
    LocalDate gpcLastUpdate();

    Requests requests();

    Accounts accounts();

    /** How data-subject requests are sent to the services and sent again. */
    interface Requests {
        /** How often due parts are sent. */
        @WithDefault("1s")
        java.time.Duration sweep();

        /** A part not confirmed is sent again after this, then after twice as long each time... */
        @WithDefault("30s")
        java.time.Duration retryAfter();

        /** ...up to this pause. */
        @WithDefault("30m")
        java.time.Duration retryAtMost();

        /** Verification rounds an erasure gets (each finding data erases there again) before it stops for review. */
        @WithDefault("3")
        int verifyRounds();
    }

    /** The Keycloak client whose service account deletes an erased person's account (realm: quarkus.oidc.auth-server-url). */
    interface Accounts {
        @WithDefault("rapport-privacy")
        String clientId();

        String clientSecret();
    }

    interface Controller {
        @WithDefault("Rapport demo brand")
        String name();

        @WithDefault("Privacy team")
        String contact();

        @WithDefault("privacy@rapport.local")
        String email();

        @WithDefault("1 Demo Street, Demo City")
        String address();

        @WithDefault("+00 000 000 000")
        String phone();

        @WithDefault("https://rapport.local")
        String url();
    }
}
