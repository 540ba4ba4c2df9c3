package dev.rapport.gateway.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class VisitorIdsTest {
    private final VisitorIds visitors = new VisitorIds("test-key");

    @Test
    void aVisitorIdTheGatewaySignedIsAcceptedAndNothingElseIs() {
        String signed = visitors.issue();
        Optional<String> visitor = visitors.verify(signed);
        assertTrue(visitor.isPresent());
        assertTrue(visitor.get().startsWith("visitor:"));
        assertNotEquals(visitor, visitors.verify(visitors.issue()), "each visitor is new");

        String id = signed.substring(3, signed.lastIndexOf('.'));
        assertEquals(Optional.empty(), visitors.verify("v1." + id + ".forged"));
        assertEquals(Optional.empty(), visitors.verify("v1." + java.util.UUID.randomUUID() + signed.substring(signed.lastIndexOf('.'))),
                "a signature does not carry over to another id");
        assertEquals(Optional.empty(), new VisitorIds("another-key").verify(signed), "a rotated key refuses old ids");
        assertEquals(Optional.empty(), visitors.verify(null));
        assertEquals(Optional.empty(), visitors.verify("v1." + "x".repeat(300)));
        assertEquals(Optional.empty(), visitors.verify("v1.nodot"));
    }
}
