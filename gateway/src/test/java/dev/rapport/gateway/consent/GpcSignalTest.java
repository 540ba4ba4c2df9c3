package dev.rapport.gateway.consent;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The header vectors of the Global Privacy Control specification: {@code Sec-GPC = "1"}, nothing else. */
class GpcSignalTest {
    @Test
    void onlyASingleFieldWithTheValueOneIsASignal() {
        assertTrue(RequestSignals.isGpcSignal(List.of("1")));
        assertTrue(RequestSignals.isGpcSignal(List.of(" 1 ")), "optional whitespace around a field value is not part of it");
    }

    @Test
    void anAbsentHeaderIsNoSignal() {
        assertFalse(RequestSignals.isGpcSignal(null));
        assertFalse(RequestSignals.isGpcSignal(List.of()));
    }

    @Test
    void anyOtherValueIsNoSignal() {
        for (String value : new String[] { "0", "true", "yes", "01", "1.0", "", "1;q=1", "\"1\"" }) {
            assertFalse(RequestSignals.isGpcSignal(List.of(value)), value);
        }
    }

    @Test
    void aRepeatedFieldIsNoSignal() {
        // Combined as HTTP combines repeated fields, the value is "1, 1" (or "1, 0"): not the "1" the grammar allows.
        assertFalse(RequestSignals.isGpcSignal(List.of("1", "1")));
        assertFalse(RequestSignals.isGpcSignal(List.of("1", "0")));
        assertFalse(RequestSignals.isGpcSignal(List.of("1, 1")));
    }
}
