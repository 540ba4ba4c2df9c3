package dev.rapport.profile.config;

import java.util.List;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Which events feed which computed traits. */
@ConfigMapping(prefix = "rapport.traits")
public interface TraitConfig {
    /** Events that are purchases (RFM: recency, frequency, monetary). */
    @WithDefault("order_placed,order_completed,purchase")
    List<String> purchaseEvents();

    /** Properties holding a purchase's amount, tried in this order. */
    @WithDefault("total,revenue,amount")
    List<String> amountProperties();

    /** The property holding a purchase's ISO 4217 currency. */
    @WithDefault("currency")
    String currencyProperty();

    /** The currency of a purchase that names none. */
    @WithDefault("EUR")
    String defaultCurrency();

    /** Events that show a person engaging: they feed the hour-of-week histogram and the best hour to reach them. */
    @WithDefault("session_started,app_opened,message_opened,message_clicked,email_opened,email_clicked,push_opened")
    List<String> engagementEvents();

    /** Engagements needed before a best hour is derived (below it, campaigns use their fallback hour). */
    @WithDefault("5")
    int bestHourMinimum();
}
