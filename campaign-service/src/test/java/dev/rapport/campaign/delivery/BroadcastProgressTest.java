package dev.rapport.campaign.delivery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import dev.rapport.proto.campaign.v1.DeliverySummary;
import dev.rapport.runtime.Progress;

/** A broadcast's progress as its delivery summary shows it: people settled of the whole audience. */
class BroadcastProgressTest {
    @Test
    void beforeTheAudienceIsDrawnNothingIsKnown() {
        Progress progress = Broadcasts.progress(DeliverySummary.newBuilder().setAudienceDrawn(false));
        assertEquals(new Progress(0, 0, "drawing the audience", false), progress);
        assertEquals(0, progress.percent());
    }

    @Test
    void everyOutcomeCountsAsSettledAndWhatIsPlannedIsStillToDo() {
        Progress progress = Broadcasts.progress(DeliverySummary.newBuilder().setAudienceDrawn(true)
                .setSent(2000).setSkipped(150).setFailed(50).setHeldOut(200).setPlanned(7600));
        assertEquals(new Progress(2400, 10000, "sending", false), progress);
        assertEquals(24, progress.percent());
        assertEquals("2,400 of 10,000 people (24 %), sending", progress.line("people"));
    }

    @Test
    void itIsFinishedWhenNobodyIsLeftPlannedAndOnlyThenAHundredPerCent() {
        assertEquals(99, Broadcasts.progress(DeliverySummary.newBuilder().setAudienceDrawn(true).setSent(9999).setPlanned(1)).percent());
        Progress done = Broadcasts.progress(DeliverySummary.newBuilder().setAudienceDrawn(true).setSent(9990).setSkipped(10));
        assertEquals(new Progress(10000, 10000, "finished", true), done);
        assertEquals(100, done.percent());
    }

    @Test
    void anEmptyAudienceIsFinishedAtOnce() {
        Progress progress = Broadcasts.progress(DeliverySummary.newBuilder().setAudienceDrawn(true));
        assertEquals(100, progress.percent());
        assertEquals("0 of 0 people (100 %), finished", progress.line("people"));
    }
}
