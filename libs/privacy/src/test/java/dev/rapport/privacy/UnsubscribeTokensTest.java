package dev.rapport.privacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UnsubscribeTokensTest {
    private final UnsubscribeTokens tokens = new UnsubscribeTokens("k1");

    @Test
    void aTokenSaysWhoWhatAndWhere() {
        String token = tokens.token("3f1c9a52-8a43-4e0a-9d55-7b0e2f4c1a11", "marketing.communications", "email");
        assertEquals(new UnsubscribeTokens.Unsubscribe("3f1c9a52-8a43-4e0a-9d55-7b0e2f4c1a11", "marketing.communications", "email"),
                tokens.read(token).orElseThrow());
    }

    @Test
    void aTamperedForeignOrBrokenTokenSaysNothing() {
        String token = tokens.token("p1", "marketing.communications", "email");
        String other = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString("p2|marketing.communications|email".getBytes());
        assertTrue(tokens.read(other + token.substring(token.indexOf('.'))).isEmpty(), "someone else's id under my signature");
        assertTrue(new UnsubscribeTokens("k2").read(token).isEmpty(), "signed with another key");
        for (String broken : new String[] { "", ".", "abc", "!!!.sig", token.substring(0, token.length() - 2) }) {
            assertTrue(tokens.read(broken).isEmpty(), broken);
        }
        assertTrue(tokens.read(null).isEmpty());
    }
}
