package dev.rapport.campaign.journey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Duration;

import dev.rapport.campaign.journey.JourneySteps.Outcome;
import dev.rapport.campaign.journey.JourneySteps.Position;
import dev.rapport.campaign.journey.JourneySteps.Status;
import dev.rapport.proto.campaign.v1.ExitJourney;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.SendMessage;
import dev.rapport.proto.campaign.v1.WaitForEvent;

/** How a run moves through its steps, at fixed times. */
class JourneyStepsTest {
    private static final Instant ENTRY = Instant.parse("2026-11-24T10:00:00Z");

    /** Cart abandoned: wait up to 2 hours for a purchase (then leave), else remind; a day later remind again. */
    private static final Journey CART = Journey.newBuilder().setTriggerEvent("cart_abandoned")
            .addSteps(JourneyStep.newBuilder().setWaitForEvent(WaitForEvent.newBuilder().setEvent("order_placed").setTimeout(hours(2))
                    .setOnEvent(WaitForEvent.Then.EXIT).setOnTimeout(WaitForEvent.Then.CONTINUE)))
            .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
            .addSteps(JourneyStep.newBuilder().setWait(hours(24)))
            .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
            .build();

    @Test
    void aNewRunStartsWaitingForItsEventUntilTheTimeout() {
        Outcome entered = JourneySteps.advance(CART, new Position(0, ENTRY, Status.RUNNING), ENTRY);
        assertEquals(new Position(0, ENTRY, Status.WAITING), entered.position());
        assertEquals(ENTRY.plusSeconds(7200), entered.due());
        assertEquals(List.of(), entered.sends());
    }

    @Test
    void nothingMovesBeforeItsTime() {
        Outcome early = JourneySteps.advance(CART, new Position(0, ENTRY, Status.WAITING), ENTRY.plusSeconds(7199));
        assertEquals(new Position(0, ENTRY, Status.WAITING), early.position());
        assertEquals(List.of(), early.sends());
    }

    @Test
    void theTimeoutSendsTheReminderThenWaitsADay() {
        Instant timeout = ENTRY.plusSeconds(7200);
        Outcome reminded = JourneySteps.advance(CART, new Position(0, ENTRY, Status.WAITING), timeout);
        assertEquals(List.of(1), reminded.sends());
        assertEquals(new Position(2, timeout, Status.RUNNING), reminded.position());
        assertEquals(timeout.plusSeconds(24 * 3600), reminded.due());

        Outcome late = JourneySteps.advance(CART, reminded.position(), timeout.plusSeconds(30 * 3600));
        assertEquals(List.of(3), late.sends(), "a timer fired late still takes its step once");
        assertEquals(Status.COMPLETED, late.position().status());
        assertNull(late.due());
    }

    @Test
    void thePurchaseInTimeTakesThePersonOut() {
        Outcome bought = JourneySteps.eventArrived(CART, new Position(0, ENTRY, Status.WAITING), "order_placed", ENTRY.plusSeconds(600));
        assertEquals(Status.EXITED, bought.position().status());
        assertEquals("order_placed at step 1", bought.exitReason());
        assertEquals(List.of(), bought.sends());
    }

    @Test
    void anEventThatContinuesTakesTheNextStepsAtOnce() {
        Journey welcome = Journey.newBuilder().setTriggerEvent("signed_up")
                .addSteps(JourneyStep.newBuilder().setWaitForEvent(WaitForEvent.newBuilder().setEvent("app_opened").setTimeout(hours(48))))
                .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
                .addSteps(JourneyStep.newBuilder().setExit(ExitJourney.getDefaultInstance()))
                .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
                .build();
        Instant opened = ENTRY.plusSeconds(3600);
        Outcome next = JourneySteps.eventArrived(welcome, new Position(0, ENTRY, Status.WAITING), "app_opened", opened);
        assertEquals(List.of(1), next.sends());
        assertEquals(Status.EXITED, next.position().status(), "the exit step ends it before the last message");
        assertEquals("exit at step 3", next.exitReason());

        Outcome silent = JourneySteps.advance(welcome, new Position(0, ENTRY, Status.WAITING), ENTRY.plusSeconds(48 * 3600));
        assertEquals(Status.EXITED, silent.position().status(), "unspecified on_timeout leaves");
        assertEquals("timeout at step 1", silent.exitReason());
        assertEquals(List.of(), silent.sends());
    }

    @Test
    void onlyTheStepItWaitsAtListensForTheEvent() {
        assertEquals(true, JourneySteps.waitsFor(CART, new Position(0, ENTRY, Status.WAITING), "order_placed"));
        assertEquals(false, JourneySteps.waitsFor(CART, new Position(0, ENTRY, Status.WAITING), "app_opened"));
        assertEquals(false, JourneySteps.waitsFor(CART, new Position(2, ENTRY, Status.RUNNING), "order_placed"));
    }

    private static Duration hours(long hours) {
        return Duration.newBuilder().setSeconds(hours * 3600).build();
    }
}
