package dev.rapport.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.rapport.privacy.ConsentView.Decision;
import dev.rapport.privacy.ConsentView.PurposeKey;
import dev.rapport.privacy.ConsentView.SubjectConsent;

/** The shipped policy decides as the issue states the law: GDPR opt-in, CCPA opt-out of sale/sharing, minors, location. */
class ConsentPolicyTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private final ConsentPolicy policy = ConsentPolicy.standard();

    @Test
    void underTheGdprMarketingProfilingAndAnalyticsNeedAGrant() {
        for (String purpose : new String[] { "marketing.communications", "personalize.profiling", "analytics" }) {
            assertFalse(policy.basis(consent("DE"), purpose, "", false).allowed(), purpose);
            assertEquals("no consent", policy.basis(consent("DE"), purpose, "", false).basis());
            assertTrue(policy.basis(consent("DE", purpose, "", true), purpose, "", false).allowed(), purpose);
        }
        assertEquals("withdrawn", policy.basis(consent("FR", "marketing", "", false), "marketing.communications", "email", false).basis());
    }

    @Test
    void underTheCcpaSaleAndSharingAreAllowedUntilThePersonOptsOut() {
        ConsentPolicy.Basis silent = policy.basis(consent("US-CA"), "third_party_sharing", "", false);
        assertTrue(silent.allowed());
        assertEquals("not objected", silent.basis());
        assertFalse(policy.basis(consent("US-CA", "third_party_sharing", "", false), "third_party_sharing", "", false).allowed());
        assertEquals("CCPA", policy.regime("US-CA").name());
    }

    @Test
    void aMinorMustOptInToSaleAndSharingUnderTheCcpa() {
        assertFalse(policy.basis(consent("US-CA"), "marketing.advertising.third_party", "", true).allowed());
        assertTrue(policy.basis(consent("US-CA", "marketing.advertising.third_party", "", true), "marketing.advertising.third_party", "", true).allowed());
        assertFalse(policy.basis(consent("US-CA", "marketing.advertising.third_party", "", true), "marketing.advertising.third_party.targeted", "", true)
                .allowed(), "consent is specific: a grant covers what it names, not the narrower uses under it");
        LocalDate today = LocalDate.of(2026, 11, 23);
        assertTrue(policy.isMinor("US-CA", LocalDate.of(2011, 1, 1), today));
        assertFalse(policy.isMinor("US-CA", LocalDate.of(2010, 11, 23), today), "16 today");
        assertFalse(policy.isMinor("KR", LocalDate.of(2012, 1, 1), today), "Korea's age is 14");
    }

    @Test
    void essentialServiceNeverDependsOnConsent() {
        SubjectConsent withdrewEverything = consent("DE", "essential", "", false);
        assertTrue(policy.basis(withdrewEverything, "essential.service", "", false).allowed());
        assertTrue(policy.mayUse(consent("DE"), "essential.service", "user.location.precise"));
    }

    @Test
    void anUnknownJurisdictionFailsClosedAndACountryCoversItsRegions() {
        assertFalse(policy.basis(null, "personalize", "", false).allowed());
        assertFalse(policy.basis(consent("ZZ"), "analytics", "", false).allowed());
        assertEquals("US", policy.regime("US-TX").name());
        assertEquals("GDPR", policy.regime("DE").name());
        assertEquals("default", policy.regime("").name());
    }

    @Test
    void supportDoesNotRestOnConsent() {
        assertEquals("no consent needed", policy.basis(consent("DE"), "support", "", false).basis());
    }

    @Test
    void preciseLocationNeedsItsOwnConsentUnderTheGdprButOnlyAnOptOutInCalifornia() {
        assertFalse(policy.mayUse(consent("DE"), "personalize", "user.location.precise"));
        SubjectConsent granted = new SubjectConsent(1, "DE", Map.of(PurposeKey.category("user.location.precise"), new Decision(true, NOW)));
        assertTrue(policy.mayUse(granted, "personalize", "user.location.precise"));
        assertTrue(policy.mayUse(consent("DE"), "personalize", "user.location.imprecise"));
        assertTrue(policy.mayUse(consent("US-CA"), "personalize", "user.location.precise"));
        SubjectConsent limited = new SubjectConsent(1, "US-CA", Map.of(PurposeKey.category("user.location.precise"), new Decision(false, NOW)));
        assertFalse(policy.mayUse(limited, "personalize", "user.location.precise"));
    }

    @Test
    void aRequestIsDueAMonthAfterReceiptUnderTheGdprAnd45DaysUnderTheCcpaEachExtendedOnceWithNotice() {
        Instant received = Instant.parse("2026-01-31T10:15:00Z");
        assertEquals(Instant.parse("2026-02-28T10:15:00Z"), policy.regime("DE").requests().deadline(received, false), "a month, not 30 days");
        assertEquals(Instant.parse("2026-04-30T10:15:00Z"), policy.regime("FR").requests().deadline(received, true), "two further months");
        assertEquals(Instant.parse("2026-03-17T10:15:00Z"), policy.regime("US-CA").requests().deadline(received, false));
        assertEquals(Instant.parse("2026-05-01T10:15:00Z"), policy.regime("US-CA").requests().deadline(received, true), "90 days in all");
        assertEquals(Instant.parse("2026-02-10T10:15:00Z"), policy.regime("KR").requests().deadline(received, false));
        assertFalse(policy.regime("KR").requests().extendable());
        assertEquals(Instant.parse("2026-02-28T10:15:00Z"), policy.regime("").requests().deadline(received, false));
    }

    @Test
    void aRegimeWithoutRequestDeadlinesTakesTheDefaultsAndBadPeriodsAreNamed() throws Exception {
        ConsentPolicy lean = load("""
                {"regimes": [{"name": "A", "regions": ["DE"], "otherwise": "opt_in"}],
                 "default": {"name": "d", "otherwise": "opt_in", "requests": {"answer_within": "P20D", "extension": "P0D"}}}""");
        assertEquals(java.time.Period.ofDays(20), lean.regime("DE").requests().answerWithin());
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> load("""
                {"regimes": [{"name": "A", "regions": ["DE"], "otherwise": "opt_in", "requests": {"answer_within": "a month", "extension": "P0D"}}],
                 "default": {"name": "d", "otherwise": "opt_in", "requests": {"answer_within": "P0D", "extension": "-P1D"}}}"""));
        for (String expected : new String[] { "regimes[0].requests.answer_within: an ISO 8601 period", "default.requests.answer_within: more than nothing",
                "default.requests.extension: not negative" }) {
            assertTrue(refused.getMessage().contains(expected), expected + " in " + refused.getMessage());
        }
    }

    @Test
    void supportSeesWhoTheCustomerIsAndHowToReachThemButNotTheirBehaviourOrFinances() throws Exception {
        ConsentPolicy policy = ConsentPolicy.standard();
        for (String shown : new String[] { "user.name.first", "user.contact.email", "user.account", "user.demographic.language" }) {
            assertTrue(policy.reveals("support", shown), shown);
        }
        for (String hidden : new String[] { "user.behavior.purchase_history", "user.financial", "user.location.precise",
                "user.demographic.date_of_birth", "user.health_and_medical" }) {
            assertFalse(policy.reveals("support", hidden), hidden);
        }
        assertFalse(policy.reveals("personalize", "user.name"), "a purpose the policy lists nothing for sees nothing this way");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> load("""
                {"purpose_categories": {"helping": ["user.name"], "support": ["user.nope"]},
                 "regimes": [], "default": {"name": "d", "otherwise": "opt_in"}}"""));
        assertTrue(refused.getMessage().contains("purpose_categories.helping: not a data use"), refused.getMessage());
        assertTrue(refused.getMessage().contains("purpose_categories.support: \"user.nope\" is not a data category"), refused.getMessage());
    }

    @Test
    void aPolicyWithMistakesIsRefusedNamingEachOne() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> load("""
                {"purposes": {"essential.service": "opt_in", "marketting": "opt_in"},
                 "regimes": [{"name": "A", "regions": ["DE", "germany"], "otherwise": "sometimes", "categories": {"user.nope": "opt_in"}},
                             {"name": "B", "regions": ["DE"], "otherwise": "opt_out", "minor_age": 99}]}"""));
        String message = refused.getMessage();
        for (String expected : new String[] { "purposes.essential.service: essential uses never depend on optional consent",
                "purposes.marketting: not a data use", "regions: \"germany\" is not an ISO 3166 code",
                "regimes[0].otherwise: opt_in, opt_out or none", "regimes[0].categories.user.nope: not a data category",
                "regimes[1].regions: DE already belongs to A", "regimes[1].minor_age", "default:" }) {
            assertTrue(message.contains(expected), expected + " in " + message);
        }
    }

    private static ConsentPolicy load(String json) throws Exception {
        return ConsentPolicy.load(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static SubjectConsent consent(String jurisdiction) {
        return new SubjectConsent(1, jurisdiction, Map.of());
    }

    private static SubjectConsent consent(String jurisdiction, String purpose, String channel, boolean granted) {
        Map<PurposeKey, Decision> decisions = new HashMap<>();
        decisions.put(PurposeKey.purpose(purpose, channel), new Decision(granted, NOW));
        return new SubjectConsent(1, jurisdiction, decisions);
    }
}
