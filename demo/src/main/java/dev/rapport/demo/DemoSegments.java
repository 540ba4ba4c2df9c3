package dev.rapport.demo;

import java.util.List;

/**
 * The demo's segments: one or more of each family marketers use (segment-service/README.md, "Definitions"), each with
 * the purpose it serves, so people without a basis for that purpose are left out (and counted as excluded).
 */
public final class DemoSegments {
    public record Definition(String name, String description, String purpose, String json) {
    }

    public static final List<Definition> ALL = List.of(
            new Definition("Abandoned a cart this month, no order since", "behavioural: cart_abandoned, then no order_placed within 2 days",
                    "marketing.communications", """
                    {"kind": "sequence", "first": {"event": "cart_abandoned"}, "then": {"event": "order_placed"}, "within": "P2D",
                     "then_happened": false, "window": {"last": "P30D"}}"""),
            new Definition("Ordered 5+ times in 90 days", "behavioural: frequent customers", "personalize", """
                    {"kind": "event", "event": "order_placed", "count": {"at_least": 5}, "window": {"last": "P90D"}}"""),
            new Definition("Seoul and Busan", "geographic: by city", "marketing.communications", """
                    {"kind": "attribute", "attribute": "city", "operator": "in", "value": ["Seoul", "Busan"]}"""),
            new Definition("Within 5 km of Plaça de Catalunya", "geographic: near a point (needs precise location consent)", "personalize", """
                    {"kind": "near", "latitude": 41.387, "longitude": 2.170, "radius_km": 5}"""),
            new Definition("Aged 25 to 34", "demographic: age from the birth date", "marketing.communications", """
                    {"kind": "attribute", "attribute": "age", "operator": "between", "value": [25, 34]}"""),
            new Definition("Catalan or Spanish speakers", "demographic: language", "marketing.communications", """
                    {"kind": "attribute", "attribute": "language", "operator": "in", "value": ["ca-ES", "es-ES", "es-US"]}"""),
            new Definition("iPhone users", "technographic: platform", "marketing.communications", """
                    {"kind": "attribute", "attribute": "platform", "operator": "eq", "value": "ios"}"""),
            new Definition("On the newest app (5.6 or later)", "technographic: app version, compared as a version (5.10 is after 5.9)",
                    "marketing.communications", """
                    {"kind": "attribute", "attribute": "app_version", "operator": "version_gte", "value": "5.6"}"""),
            new Definition("Vegetarian or vegan", "needs-based: dietary needs (health data: used to personalise, never to advertise)",
                    "personalize", """
                    {"kind": "attribute", "attribute": "dietary_needs", "operator": "contains_any", "value": ["vegetarian", "vegan"]}"""),
            new Definition("Loves Korean food", "psychographic: favourite cuisine", "personalize", """
                    {"kind": "attribute", "attribute": "favourite_cuisine", "operator": "eq", "value": "korean"}"""),
            new Definition("Plus and Premium members", "value-based: plan", "marketing.communications", """
                    {"kind": "attribute", "attribute": "plan", "operator": "in", "value": ["plus", "premium"]}"""),
            new Definition("Spent over 150 EUR in 90 days", "value-based: purchases", "marketing.communications", """
                    {"kind": "purchases", "measure": "total", "currency": "EUR", "operator": "gt", "value": 150, "window": {"last": "P90D"}}"""),
            new Definition("RFM Champions", "RFM: the best customers", "marketing.communications", """
                    {"kind": "rfm", "score": "segment", "operator": "eq", "value": "Champions"}"""),
            new Definition("RFM At risk", "RFM: used to buy often, not lately", "marketing.communications", """
                    {"kind": "rfm", "score": "segment", "operator": "eq", "value": "At Risk"}"""),
            new Definition("Lapsed: nothing for 60 days", "lifecycle: last seen", "marketing.communications", """
                    {"kind": "not", "condition": {"kind": "last_event", "operator": "within_last", "value": "P60D"}}"""),
            new Definition("Email marketing audience", "lifecycle: consent to marketing emails", "marketing.communications", """
                    {"kind": "consent", "purpose": "marketing.communications", "channel": "email", "state": "granted"}"""),
            new Definition("Payment failed this week", "behavioural: for the transactional payment-failed message", "essential.service", """
                    {"kind": "event", "event": "payment_failed", "window": {"last": "P7D"}}"""));

    /** The definition named {@code name}. */
    public static Definition named(String name) {
        return ALL.stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow(() -> new IllegalArgumentException(name));
    }

    private DemoSegments() {
    }
}
