package dev.rapport.campaign.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import dev.rapport.proto.campaign.v1.QuietHours;
import dev.rapport.proto.campaign.v1.SendTime;

/** Best hour and quiet hours in each person's time zone, at fixed times. */
class SendTimesTest {
    private static final ZoneId SEOUL = ZoneId.of("Asia/Seoul");
    private static final ZoneId LA = ZoneId.of("America/Los_Angeles");
    /** 10:30 in Seoul, 17:30 the day before in Los Angeles. */
    private static final Instant NOW = Instant.parse("2026-11-24T01:30:00Z");
    private static final SendTime BEST = SendTime.newBuilder().setBestHour(true).setFallbackHour(9).build();

    @Test
    void theBestHourIsTheHourOfTheDayWithMostEngagementAcrossTheWeek() {
        List<Long> week = new ArrayList<>(Collections.nCopies(168, 0L));
        week.set(0 * 24 + 19, 2L); // Monday 19:00
        week.set(3 * 24 + 19, 2L); // Thursday 19:00
        week.set(5 * 24 + 8, 3L); // Saturday 08:00: the single busiest hour of the week, not of the day
        assertEquals(OptionalInt.of(19), SendTimes.bestHourOfDay(week));
        assertEquals(OptionalInt.empty(), SendTimes.bestHourOfDay(new ArrayList<>(Collections.nCopies(168, 0L))), "no history");
        List<Long> little = new ArrayList<>(Collections.nCopies(168, 0L));
        little.set(7, 4L);
        assertEquals(OptionalInt.empty(), SendTimes.bestHourOfDay(little), "fewer than 5 engagements say nothing");
    }

    @Test
    void aMessageWaitsForTheirBestHourInTheirOwnTimeZone() {
        var seoul = SendTimes.decide(NOW, SEOUL, BEST, Optional.empty(), OptionalInt.of(19));
        assertEquals(Instant.parse("2026-11-24T10:00:00Z"), seoul.at(), "19:00 in Seoul, later today");
        assertTrue(seoul.later(NOW));
        assertEquals("waiting for 19:00 their time (their best hour)", seoul.why());

        var la = SendTimes.decide(NOW, LA, BEST, Optional.empty(), OptionalInt.of(8));
        assertEquals(Instant.parse("2026-11-24T16:00:00Z"), la.at(), "08:00 tomorrow in Los Angeles (its 17:30 now)");

        var inTheHour = SendTimes.decide(NOW, SEOUL, BEST, Optional.empty(), OptionalInt.of(10));
        assertEquals(NOW, inTheHour.at(), "within their best hour: now");
        assertFalse(inTheHour.later(NOW));

        var fallback = SendTimes.decide(NOW, SEOUL, BEST, Optional.empty(), OptionalInt.empty());
        assertEquals(Instant.parse("2026-11-25T00:00:00Z"), fallback.at(), "09:00 tomorrow in Seoul, the fallback hour");
        assertEquals(NOW, SendTimes.decide(NOW, SEOUL, SendTime.newBuilder().setBestHour(true).build(), Optional.empty(), OptionalInt.empty()).at(),
                "no history and no fallback: now");
    }

    @Test
    void quietHoursDeferOrDropAndTheServicesOwnApplyToo() {
        QuietHours evenings = QuietHours.newBuilder().setStartHour(21).setEndHour(8).build();
        // 21:00 best hour in Seoul falls into the campaign's quiet hours: it waits for 08:00 the next day
        var quiet = SendTimes.decide(NOW, SEOUL, BEST.toBuilder().setQuietHours(evenings).build(), Optional.empty(), OptionalInt.of(21));
        assertEquals(Instant.parse("2026-11-24T23:00:00Z"), quiet.at());
        assertEquals("waiting for the end of quiet hours, 08:00 their time", quiet.why());

        QuietHours mornings = QuietHours.newBuilder().setStartHour(6).setEndHour(11).setDrop(true).build();
        var dropped = SendTimes.decide(NOW, SEOUL, SendTime.getDefaultInstance(), Optional.of(mornings), OptionalInt.empty());
        assertTrue(dropped.dropped());
        assertEquals("quiet hours (06:00–11:00 their time)", dropped.why());

        assertEquals(NOW, SendTimes.decide(NOW, LA, SendTime.getDefaultInstance(), Optional.of(mornings), OptionalInt.empty()).at(),
                "17:30 in Los Angeles is not quiet");
    }
}
