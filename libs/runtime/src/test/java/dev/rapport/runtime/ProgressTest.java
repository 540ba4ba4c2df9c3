package dev.rapport.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void percentIsRoundedDownAndReachesAHundredOnlyWhenFinished() {
        assertEquals(0, new Progress(0, 0, "starting", false).percent());
        assertEquals(33, new Progress(1, 3, "sending", false).percent());
        assertEquals(99, new Progress(3, 3, "writing the last step", false).percent());
        assertEquals(100, new Progress(3, 3, "finished", true).percent());
        assertEquals(100, new Progress(0, 0, "nothing to do", true).percent());
        Progress failed = new Progress(2, 8, "recomputing segment A", false).failedBecause("failed (the next run starts again)");
        assertEquals(25, failed.percent(), "a failure keeps the percentage it reached");
        assertEquals(true, failed.finished());
    }

    @Test
    void theConsoleLineSaysHowManyOfHowManyAndWhatItIsDoing() {
        assertEquals("1,200 of 10,000 people (12 %), sending", new Progress(1200, 10_000, "sending", false).line("people"));
    }
}
