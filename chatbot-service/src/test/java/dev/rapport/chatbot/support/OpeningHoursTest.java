package dev.rapport.chatbot.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.ZoneId;
import java.time.ZonedDateTime;

import org.junit.jupiter.api.Test;

class OpeningHoursTest {
    private static final ZoneId LONDON = ZoneId.of("Europe/London");

    private static ZonedDateTime london(String localDateTime) {
        return ZonedDateTime.of(java.time.LocalDateTime.parse(localDateTime), LONDON);
    }

    @Test
    void weekdaysAndASaturdayInTheTeamsTimeZone() {
        OpeningHours hours = OpeningHours.parse("MON-FRI 09:00-18:00, sat 10:00-14:00", LONDON);
        assertTrue(hours.isOpen(london("2026-11-23T09:00"))); // a Monday
        assertFalse(hours.isOpen(london("2026-11-23T08:59")));
        assertFalse(hours.isOpen(london("2026-11-23T18:00")));
        assertTrue(hours.isOpen(london("2026-11-27T17:59"))); // Friday
        assertTrue(hours.isOpen(london("2026-11-28T12:00"))); // Saturday
        assertFalse(hours.isOpen(london("2026-11-29T12:00"))); // Sunday
        // 09:30 in London is 18:30 in Seoul: the team's zone decides
        assertTrue(hours.isOpen(london("2026-11-23T09:30").withZoneSameInstant(ZoneId.of("Asia/Seoul"))));
        assertEquals("MON-FRI 09:00-18:00, sat 10:00-14:00 (Europe/London)", hours.describe());
    }

    @Test
    void aNightShiftRunsPastMidnight() {
        OpeningHours hours = OpeningHours.parse("MON-FRI 22:00-06:00", LONDON);
        assertTrue(hours.isOpen(london("2026-11-24T23:00"))); // Tuesday night
        assertTrue(hours.isOpen(london("2026-11-25T05:59"))); // Wednesday early: Tuesday's shift
        assertFalse(hours.isOpen(london("2026-11-25T06:00")));
        assertFalse(hours.isOpen(london("2026-11-23T03:00")), "Monday early belongs to Sunday, which has no shift");
    }

    @Test
    void alwaysNeverAndNonsense() {
        assertTrue(OpeningHours.parse("always", LONDON).isOpen(london("2026-11-29T03:00")));
        assertFalse(OpeningHours.parse("never", LONDON).isOpen(london("2026-11-23T12:00")));
        for (String nonsense : new String[] { "weekdays 9-5", "MON-FRI 25:00-26:00", "MOO 09:00-18:00", "" }) {
            assertThrows(IllegalArgumentException.class, () -> OpeningHours.parse(nonsense, LONDON), nonsense);
        }
    }

    @Test
    void aWayToReachTheCustomerIsFoundInWhatTheyWrote() {
        assertEquals("ana.lopez+food@example.org", Staffing.contact("sure, it's ana.lopez+food@example.org thanks"));
        assertEquals("+44 20 7946 0958", Staffing.contact("+44 20 7946 0958 please"));
        assertEquals("612 345 678", Staffing.contact("612 345 678"));
        assertNull(Staffing.contact("my order 12345678 still has not arrived, it was due yesterday"));
        assertNull(Staffing.contact("2026-11-23"));
        assertNull(Staffing.contact("my order 1234 is late"));
    }
}
