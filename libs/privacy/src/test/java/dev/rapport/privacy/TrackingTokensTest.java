package dev.rapport.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class TrackingTokensTest {
    private final TrackingTokens tokens = new TrackingTokens("a key");

    @Test
    void aTokenReadsBackAndNothingElseDoes() {
        String token = tokens.token("c1.p1.r1.2", "https://mealtide.example/menu?x=1|2");
        assertEquals(Optional.of(new TrackingTokens.Click("c1.p1.r1.2", "https://mealtide.example/menu?x=1|2")), tokens.read(token));
        String forged = tokens.token("c1.p1", "https://evil.example/");
        assertTrue(new TrackingTokens("another key").read(forged).isEmpty(), "signed with another key");
        assertTrue(tokens.read(token.substring(0, token.indexOf('.')) + ".AAAA").isEmpty(), "tampered signature");
        assertTrue(tokens.read("not a token").isEmpty());
        assertTrue(tokens.read(new UnsubscribeTokens("a key").token("p1", "marketing.communications", "email")).isEmpty(),
                "an unsubscribe token is not a click");
    }

    @Test
    void anOpenTokenNamesItsMessageAndIsNoLink() {
        String open = tokens.openToken("c1.p1");
        assertEquals(Optional.of("c1.p1"), tokens.readOpen(open));
        assertTrue(tokens.read(open).isEmpty(), "an open token redirects nowhere");
        assertTrue(tokens.readOpen(tokens.token("c1.p1", "https://mealtide.example/")).isEmpty(), "a link token is not an open");
        assertTrue(new TrackingTokens("another key").readOpen(open).isEmpty());
    }
}
