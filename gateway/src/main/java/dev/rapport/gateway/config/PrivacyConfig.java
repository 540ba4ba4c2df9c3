package dev.rapport.gateway.config;

import java.time.LocalDate;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who answers for the data (named in consent receipts) and what the site declares about Global Privacy Control. */
@ConfigMapping(prefix = "rapport.privacy")
public interface PrivacyConfig {
    Controller controller();

    /** The privacy notice every receipt points to. */
    @WithDefault("https://rapport.local/privacy")
    String policyUrl();

    /** The date gpc.json gives as its lastUpdate. */
    @WithDefault("2026-11-23")
    LocalDate gpcLastUpdate();

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
