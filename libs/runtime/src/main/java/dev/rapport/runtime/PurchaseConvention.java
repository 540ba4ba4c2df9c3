package dev.rapport.runtime;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Which events are purchases and where their amount and currency are: one convention for every service, so a
 * profile's purchase summary (profile-service) and a segment's "spent over 100 EUR" (segment-service) agree.
 */
@ConfigMapping(prefix = "rapport.purchases")
public interface PurchaseConvention {
    Pattern CURRENCY = Pattern.compile("[A-Za-z]{3}");

    /** Event names that are purchases (also RFM's input). */
    @WithDefault("order_placed,order_completed,purchase")
    List<String> events();

    /** Properties holding a purchase's amount, tried in this order: the first that holds a number is the amount. */
    @WithDefault("total,revenue,amount")
    List<String> amountProperties();

    /** The property holding a purchase's ISO 4217 currency. */
    @WithDefault("currency")
    String currencyProperty();

    /** The currency of a purchase that names none. */
    @WithDefault("EUR")
    String defaultCurrency();

    /** A purchase's currency from its property's text (null: none): three ASCII letters in any case, upper-cased; else the default. */
    default String currencyOf(String text) {
        return text != null && CURRENCY.matcher(text).matches() ? text.toUpperCase(Locale.ROOT) : defaultCurrency();
    }
}
