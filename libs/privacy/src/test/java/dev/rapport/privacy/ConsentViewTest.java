package dev.rapport.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.rapport.privacy.ConsentView.PurposeKey;
import dev.rapport.privacy.ConsentView.SubjectConsent;

class ConsentViewTest {
    private final ConsentView view = new ConsentView();

    @Test
    void aWithdrawalReplacesTheGrantBeforeIt() {
        view.apply("p1", new SubjectConsent(1, Map.of(new PurposeKey("marketing.communications", ""), true)));
        view.apply("p1", new SubjectConsent(2, Map.of(new PurposeKey("marketing.communications", ""), false)));
        assertEquals(Optional.of(false), view.decision("p1", "marketing.communications", "email"));
    }

    @Test
    void anOlderStateArrivingLateChangesNothing() {
        view.apply("p1", new SubjectConsent(5, Map.of(new PurposeKey("analytics", ""), false)));
        view.apply("p1", new SubjectConsent(4, Map.of(new PurposeKey("analytics", ""), true)));
        assertEquals(Optional.of(false), view.decision("p1", "analytics", ""));
    }

    @Test
    void aChannelDecisionWinsOverTheOneForAllChannels() {
        view.apply("p1", new SubjectConsent(1, Map.of(
                new PurposeKey("marketing.communications", ""), true,
                new PurposeKey("marketing.communications", "sms"), false)));
        assertEquals(Optional.of(false), view.decision("p1", "marketing.communications", "sms"));
        assertEquals(Optional.of(true), view.decision("p1", "marketing.communications", "email"));
    }

    @Test
    void anErasedPersonHasNoDecisionLeft() {
        view.apply("p1", new SubjectConsent(1, Map.of(new PurposeKey("personalize", ""), true)));
        view.forget("p1");
        assertEquals(Optional.empty(), view.decision("p1", "personalize", ""));
        assertEquals(0, view.size());
    }
}
