package dev.rapport.privacy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Any string as a link's token (the only credential of the unsubscribe, preference and tracked-link pages): read as
 * nothing, never an exception, and never as a link the key did not sign.
 */
@Tag("fuzz")
class SignedLinksFuzzTest {
    private static final UnsubscribeTokens UNSUBSCRIBE = new UnsubscribeTokens("fuzz-key");
    private static final TrackingTokens TRACKING = new TrackingTokens("fuzz-key");

    @FuzzTest(maxDuration = "15s")
    void anyTokenIsReadAsNothingUnlessSigned(FuzzedDataProvider data) {
        String token = data.consumeRemainingAsString();
        assertTrue(UNSUBSCRIBE.read(token).isEmpty(), token);
        assertTrue(TRACKING.read(token).isEmpty(), token);
        assertTrue(TRACKING.readOpen(token).isEmpty(), token);
    }
}
