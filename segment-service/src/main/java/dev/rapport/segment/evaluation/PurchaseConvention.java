package dev.rapport.segment.evaluation;

import java.util.List;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Which events are purchases and where their amount and currency are: the same keys and defaults as profile-service's
 * traits (rapport.traits.*), so a segment's "spent over 100 EUR" and a profile's purchase summary agree.
 */
@ConfigMapping(prefix = "rapport.traits")
public interface PurchaseConvention {
    @WithDefault("order_placed,order_completed,purchase")
    List<String> purchaseEvents();

    /** Tried in this order; the first that holds a number is the amount. */
    @WithDefault("total,revenue,amount")
    List<String> amountProperties();

    @WithDefault("currency")
    String currencyProperty();

    @WithDefault("EUR")
    String defaultCurrency();

    /**
     * A purchase's currency as profile-service reads it: three ASCII letters in any case, upper-cased; anything else
     * (or nothing) is the default currency. {@code SqlCompiler.currency} reads it the same way.
     */
    default String currencyOf(com.fasterxml.jackson.databind.JsonNode value) {
        return value != null && value.isTextual() && value.textValue().matches("[A-Za-z]{3}")
                ? value.textValue().toUpperCase(java.util.Locale.ROOT) : defaultCurrency();
    }
}
