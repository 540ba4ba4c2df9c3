package dev.rapport.campaign.journey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import dev.rapport.campaign.definition.CampaignValidation;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.WaitForEvent;

/**
 * How a run moves through a journey's steps, decided without side effects: from where the run is and the time, where
 * it is next, which send steps it passed on the way, and when it is due again. Journeys writes the outcome in one
 * transaction, so a step is taken once.
 */
public final class JourneySteps {
    private JourneySteps() {
    }

    public enum Status {
        /** At a step that is due at {@code due} (a wait, or a step just arrived at). */
        RUNNING,
        /** Waiting for an event until {@code due}. */
        WAITING,
        COMPLETED,
        EXITED;

        String column() {
            return name().toLowerCase();
        }
    }

    /** Where a run is: its step, since when, and whether it waits for an event there. */
    public record Position(int step, Instant stepTime, Status status) {
    }

    /** Where a run is after its due steps; {@code sends} are the send steps it passed, each once. */
    public record Outcome(Position position, Instant due, String exitReason, List<Integer> sends) {
    }

    /** Takes every step that is due at {@code now}, from {@code at}. */
    public static Outcome advance(Journey journey, Position at, Instant now) {
        List<Integer> sends = new ArrayList<>();
        int step = at.step();
        Instant since = at.stepTime();
        Status status = at.status();
        // Each step is passed at most once per call: at most steps + 1 turns.
        while (true) {
            if (step >= journey.getStepsCount()) {
                return new Outcome(new Position(step, since, Status.COMPLETED), null, null, sends);
            }
            JourneyStep current = journey.getSteps(step);
            switch (current.getStepCase()) {
                case WAIT -> {
                    Instant due = since.plus(CampaignValidation.java(current.getWait()));
                    if (due.isAfter(now)) {
                        return new Outcome(new Position(step, since, Status.RUNNING), due, null, sends);
                    }
                }
                case WAIT_FOR_EVENT -> {
                    Instant timeout = since.plus(CampaignValidation.java(current.getWaitForEvent().getTimeout()));
                    if (status != Status.WAITING || timeout.isAfter(now)) {
                        return new Outcome(new Position(step, since, Status.WAITING), timeout, null, sends);
                    }
                    if (current.getWaitForEvent().getOnTimeout() != WaitForEvent.Then.CONTINUE) {
                        return exited(step, since, "timeout at step " + (step + 1), sends);
                    }
                }
                case SEND_MESSAGE -> sends.add(step);
                case EXIT -> {
                    return exited(step, since, "exit at step " + (step + 1), sends);
                }
                case STEP_NOT_SET -> throw new IllegalStateException("a stored journey has a step of no kind");
            }
            step++;
            since = now;
            status = Status.RUNNING;
        }
    }

    /** The run's event came while it waited for it: on to the next step (and what is due there), or out. */
    public static Outcome eventArrived(Journey journey, Position at, String event, Instant now) {
        WaitForEvent waited = journey.getSteps(at.step()).getWaitForEvent();
        if (waited.getOnEvent() == WaitForEvent.Then.EXIT) {
            return exited(at.step(), at.stepTime(), event + " at step " + (at.step() + 1), List.of());
        }
        return advance(journey, new Position(at.step() + 1, now, Status.RUNNING), now);
    }

    /** Whether a run at this position waits for this event. */
    public static boolean waitsFor(Journey journey, Position at, String event) {
        return at.status() == Status.WAITING && at.step() < journey.getStepsCount()
                && journey.getSteps(at.step()).hasWaitForEvent() && journey.getSteps(at.step()).getWaitForEvent().getEvent().equals(event);
    }

    /** A short name of a step for people reading a summary: "wait", "wait_for_event", "send_message", "exit". */
    public static String kind(Journey journey, int step) {
        return step < journey.getStepsCount() ? journey.getSteps(step).getStepCase().name().toLowerCase() : "end";
    }

    private static Outcome exited(int step, Instant since, String reason, List<Integer> sends) {
        return new Outcome(new Position(step, since, Status.EXITED), null, reason, sends);
    }
}
