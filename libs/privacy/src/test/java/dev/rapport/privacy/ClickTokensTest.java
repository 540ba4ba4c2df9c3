package dev.rapport.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class ClickTokensTest {
    private final ClickTokens tokens = new ClickTokens("a key");

    @Test
    void aTokenReadsBackAndNothingElseDoes() {
        String token = tokens.token("c1.p1.r1.2", "https://mealtide.example/menu?x=1|2");
        assertEquals(Optional.of(new ClickTokens.Click("c1.p1.r1.2", "https://mealtide.example/menu?x=1|2")), tokens.read(token));
        String forged = tokens.token("c1.p1", "https://evil.example/");
        assertTrue(new ClickTokens("another key").read(forged).isEmpty(), "signed with another key");
        assertTrue(tokens.read(token.substring(0, token.indexOf('.')) + ".AAAA").isEmpty(), "tampered signature");
        assertTrue(tokens.read("not a token").isEmpty());
        assertTrue(tokens.read(new UnsubscribeTokens("a key").token("p1", "marketing.communications", "email")).isEmpty(),
                "an unsubscribe token is not a click");
    }
}
