package dev.rapport.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.rapport.privacy.ConsentView.Decision;
import dev.rapport.privacy.ConsentView.PurposeKey;
import dev.rapport.privacy.ConsentView.SubjectConsent;

class ConsentViewTest {
    private static final Instant MONDAY = Instant.parse("2026-11-02T10:00:00Z");
    private static final Instant TUESDAY = Instant.parse("2026-11-03T10:00:00Z");

    private final ConsentView view = new ConsentView();

    @Test
    void aWithdrawalReplacesTheGrantBeforeIt() {
        view.apply("p1", state(1, Map.of(PurposeKey.purpose("marketing.communications", ""), new Decision(true, MONDAY))));
        view.apply("p1", state(2, Map.of(PurposeKey.purpose("marketing.communications", ""), new Decision(false, TUESDAY))));
        assertEquals(Optional.of(false), view.decision("p1", "marketing.communications", "email"));
    }

    @Test
    void anOlderStateArrivingLateChangesNothing() {
        view.apply("p1", state(5, Map.of(PurposeKey.purpose("analytics", ""), new Decision(false, TUESDAY))));
        view.apply("p1", state(4, Map.of(PurposeKey.purpose("analytics", ""), new Decision(true, MONDAY))));
        assertEquals(Optional.of(false), view.decision("p1", "analytics", ""));
    }

    @Test
    void aChannelDecisionWinsOverAnEquallyRecentOneForAllChannels() {
        view.apply("p1", state(1, Map.of(
                PurposeKey.purpose("marketing.communications", ""), new Decision(true, MONDAY),
                PurposeKey.purpose("marketing.communications", "sms"), new Decision(false, MONDAY))));
        assertEquals(Optional.of(false), view.decision("p1", "marketing.communications", "sms"));
        assertEquals(Optional.of(true), view.decision("p1", "marketing.communications", "email"));
    }

    @Test
    void aLaterWithdrawalOfABroaderPurposeOverridesAnEarlierNarrowGrant() {
        view.apply("p1", state(1, Map.of(
                PurposeKey.purpose("marketing.communications", "email"), new Decision(true, MONDAY),
                PurposeKey.purpose("marketing", ""), new Decision(false, TUESDAY))));
        assertEquals(Optional.of(false), view.decision("p1", "marketing.communications", "email"));
        assertEquals(Optional.of(false), view.decision("p1", "marketing.advertising.third_party", ""));
        assertEquals(Optional.empty(), view.decision("p1", "analytics", ""));
    }

    @Test
    void aLaterNarrowGrantStandsAfterAnEarlierBroadWithdrawal() {
        view.apply("p1", state(1, Map.of(
                PurposeKey.purpose("marketing", ""), new Decision(false, MONDAY),
                PurposeKey.purpose("marketing.communications", "email"), new Decision(true, TUESDAY))));
        assertEquals(Optional.of(true), view.decision("p1", "marketing.communications", "email"));
        assertEquals(Optional.of(false), view.decision("p1", "marketing.communications", "sms"));
    }

    @Test
    void aBroadGrantDoesNotCoverANarrowerUse() {
        view.apply("p1", state(1, Map.of(PurposeKey.purpose("marketing", ""), new Decision(true, MONDAY))));
        assertEquals(Optional.of(true), view.decision("p1", "marketing", ""));
        assertEquals(Optional.empty(), view.decision("p1", "marketing.advertising.third_party", ""));
    }

    @Test
    void aCategoryDecisionIsKeptApartFromPurposes() {
        view.apply("p1", state(1, Map.of(PurposeKey.category("user.location.precise"), new Decision(true, MONDAY))));
        assertEquals(Optional.of(true), view.of("p1").categoryDecision("user.location.precise"));
        view.apply("p1", state(2, Map.of(PurposeKey.category("user.location.precise"), new Decision(true, MONDAY),
                PurposeKey.category("user.location"), new Decision(false, TUESDAY))));
        assertEquals(Optional.of(false), view.of("p1").categoryDecision("user.location.precise"));
        assertEquals(Optional.empty(), view.decision("p1", "personalize", ""));
    }

    @Test
    void anErasedPersonHasNoDecisionLeft() {
        view.apply("p1", state(1, Map.of(PurposeKey.purpose("personalize", ""), new Decision(true, MONDAY))));
        view.forget("p1");
        assertEquals(Optional.empty(), view.decision("p1", "personalize", ""));
        assertEquals(0, view.size());
    }

    private static SubjectConsent state(long version, Map<PurposeKey, Decision> decisions) {
        return new SubjectConsent(version, "DE", decisions);
    }
}
