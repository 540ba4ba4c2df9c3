package dev.rapport.campaign.journey;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.campaign.definition.CampaignValidation;
import dev.rapport.proto.campaign.v1.Branch;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.PropertyTest;
import dev.rapport.proto.campaign.v1.SplitPath;
import dev.rapport.proto.campaign.v1.WaitForEvent;
import dev.rapport.proto.campaign.v1.WaitUntil;

/**
 * How a run moves through a journey's steps, decided without side effects: from where the run is, the time and what
 * is known of the person, where it is next, which send and update steps it passed on the way, and when it is due
 * again. Journeys writes the outcome in one transaction, so a step is taken once.
 */
public final class JourneySteps {
    /** How late a wait_until may still fire: later than this after its time, it waits for the next day's. */
    static final java.time.Duration LATE = java.time.Duration.ofHours(1);

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

    /**
     * What the steps may need to know: the run (a split's draw), what triggered it, and — looked up by the timer when a
     * step needs them — the person's segments, time zone and best hour. {@code segments} and {@code zone} are null
     * until looked up.
     */
    public record Person(UUID run, Struct trigger, Set<String> segments, ZoneId zone, OptionalInt bestHour) {
        public static Person unknown(UUID run, Struct trigger) {
            return new Person(run, trigger, null, null, OptionalInt.empty());
        }
    }

    /** An update_attribute step passed: the attribute and its new value. */
    public record AttributeChange(int step, String attribute, Value value) {
    }

    /**
     * Where a run is after its due steps: the send and attribute-update steps it passed (each once) and the split
     * paths it took, by name.
     */
    public record Outcome(Position position, Instant due, String exitReason, List<Integer> sends, List<AttributeChange> updates, List<String> paths) {
        Outcome(Position position, Instant due, String exitReason, List<Integer> sends) {
            this(position, due, exitReason, sends, List.of(), List.of());
        }
    }

    /** Takes every step that is due at {@code now}, from {@code at}. */
    public static Outcome advance(Journey journey, Position at, Instant now, Person person) {
        List<Integer> sends = new ArrayList<>();
        List<AttributeChange> updates = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        int step = at.step();
        Instant since = at.stepTime();
        Status status = at.status();
        // Steps only go forward (a branch or split jumps ahead, never back): at most steps + 1 turns.
        while (true) {
            if (step >= journey.getStepsCount()) {
                return new Outcome(new Position(step, since, Status.COMPLETED), null, null, sends, updates, paths);
            }
            JourneyStep current = journey.getSteps(step);
            int next = step + 1;
            if (needsLookUp(journey, step) && !knows(person, current)) {
                // the timer looks the person up and takes the step: due now
                return new Outcome(new Position(step, since, Status.RUNNING), now, null, sends, updates, paths);
            }
            switch (current.getStepCase()) {
                case WAIT -> {
                    Instant due = since.plus(CampaignValidation.java(current.getWait()));
                    if (due.isAfter(now)) {
                        return new Outcome(new Position(step, since, Status.RUNNING), due, null, sends, updates, paths);
                    }
                }
                case WAIT_FOR_EVENT -> {
                    Instant timeout = since.plus(CampaignValidation.java(current.getWaitForEvent().getTimeout()));
                    if (status != Status.WAITING || timeout.isAfter(now)) {
                        return new Outcome(new Position(step, since, Status.WAITING), timeout, null, sends, updates, paths);
                    }
                    if (current.getWaitForEvent().getOnTimeout() != WaitForEvent.Then.CONTINUE) {
                        return exited(step, since, "timeout at step " + (step + 1), sends, updates, paths);
                    }
                }
                case WAIT_UNTIL -> {
                    Instant due = until(current.getWaitUntil(), since, person);
                    if (due.isBefore(now.minus(LATE))) {
                        // its time passed long ago (a paused journey, people not looked up for hours): the next one, not now
                        due = until(current.getWaitUntil(), now, person);
                    }
                    if (due.isAfter(now)) {
                        return new Outcome(new Position(step, since, Status.RUNNING), due, null, sends, updates, paths);
                    }
                }
                case BRANCH -> {
                    Branch branch = current.getBranch();
                    boolean holds = branch.hasInSegment() ? person.segments().contains(segmentId(branch.getInSegment()))
                            : holds(branch.getTriggerProperty(), person.trigger());
                    next = target(step, holds ? branch.getThenGoToStep() : branch.getElseGoToStep());
                }
                case SPLIT -> {
                    SplitPath path = draw(current.getSplit().getPathsList(), person.run(), step);
                    paths.add(path.getName());
                    next = target(step, path.getGoToStep());
                }
                case SEND_MESSAGE -> sends.add(step);
                case UPDATE_ATTRIBUTE -> updates.add(new AttributeChange(step, current.getUpdateAttribute().getAttribute(),
                        current.getUpdateAttribute().getValue()));
                case EXIT -> {
                    return exited(step, since, "exit at step " + (step + 1), sends, updates, paths);
                }
                case STEP_NOT_SET -> throw new IllegalStateException("a stored journey has a step of no kind");
            }
            step = next;
            since = now;
            status = Status.RUNNING;
        }
    }

    /** The run's event came while it waited for it: on to the next step (and what is due there), or out. */
    public static Outcome eventArrived(Journey journey, Position at, String event, Instant now, Person person) {
        WaitForEvent waited = journey.getSteps(at.step()).getWaitForEvent();
        if (waited.getOnEvent() == WaitForEvent.Then.EXIT) {
            return exited(at.step(), at.stepTime(), event + " at step " + (at.step() + 1), List.of(), List.of(), List.of());
        }
        return advance(journey, new Position(at.step() + 1, now, Status.RUNNING), now, person);
    }

    /** Whether a run at this position waits for this event. */
    public static boolean waitsFor(Journey journey, Position at, String event) {
        return at.status() == Status.WAITING && at.step() < journey.getStepsCount()
                && journey.getSteps(at.step()).hasWaitForEvent() && journey.getSteps(at.step()).getWaitForEvent().getEvent().equals(event);
    }

    /** Whether taking this step needs the person looked up first (their time zone and best hour, or their segments). */
    public static boolean needsLookUp(Journey journey, int step) {
        if (step >= journey.getStepsCount()) {
            return false;
        }
        JourneyStep s = journey.getSteps(step);
        return s.hasWaitUntil() || s.hasBranch() && s.getBranch().hasInSegment();
    }

    /** Whether any step of the journey needs the person's profile (time zone, best hour) or segments. */
    public static boolean needsProfile(Journey journey) {
        return journey.getStepsList().stream().anyMatch(JourneyStep::hasWaitUntil);
    }

    public static boolean needsSegments(Journey journey) {
        return journey.getStepsList().stream().anyMatch(s -> s.hasBranch() && s.getBranch().hasInSegment());
    }

    /** A short name of a step for people reading a summary: "wait", "wait_for_event", "send_message", "branch", …. */
    public static String kind(Journey journey, int step) {
        return step < journey.getStepsCount() ? journey.getSteps(step).getStepCase().name().toLowerCase() : "end";
    }

    /** A segment id as segment-service writes it (lower-case, canonical), however a definition spelled it. */
    public static String segmentId(String id) {
        try {
            return UUID.fromString(id).toString();
        } catch (IllegalArgumentException e) {
            return id.toLowerCase(java.util.Locale.ROOT);
        }
    }

    private static boolean knows(Person person, JourneyStep step) {
        return step.hasWaitUntil() ? person.zone() != null : person.segments() != null;
    }

    /** The first hh:mm in the person's time zone from {@code since} on; {@code since} itself for no hour at all. */
    static Instant until(WaitUntil wait, Instant since, Person person) {
        OptionalInt hour = wait.getBestHour() && person.bestHour().isPresent() ? person.bestHour()
                : wait.hasHour() ? OptionalInt.of(wait.getHour()) : OptionalInt.empty();
        if (hour.isEmpty()) {
            return since;
        }
        ZonedDateTime local = since.atZone(person.zone());
        ZonedDateTime at = local.with(LocalTime.of(hour.getAsInt(), wait.getMinute()));
        if (at.isBefore(local)) {
            at = at.plusDays(1).with(LocalTime.of(hour.getAsInt(), wait.getMinute()));
        }
        return at.toInstant();
    }

    /** The step a go-to names (1-based; 0: the next one; steps + 1: the end), as an index. */
    private static int target(int step, int goTo) {
        return goTo == 0 ? step + 1 : goTo - 1;
    }

    /** A run's path at a split: drawn from the run id and the step, so the same run always takes the same path. */
    static SplitPath draw(List<SplitPath> paths, UUID run, int step) {
        int draw = new SplittableRandom(run.getMostSignificantBits() ^ run.getLeastSignificantBits() ^ (step + 1) * 0x9E3779B97F4A7C15L)
                .nextInt(100);
        int upTo = 0;
        for (SplitPath path : paths) {
            upTo += path.getPercent();
            if (draw < upTo) {
                return path;
            }
        }
        return paths.get(paths.size() - 1);
    }

    /** Whether what triggered the run passes the test; a property it lacks passes only NOT_EQUALS. */
    static boolean holds(PropertyTest test, Struct trigger) {
        Value value = property(trigger, test.getProperty());
        boolean present = value != null && !value.hasNullValue();
        return switch (test.getOperator()) {
            case EXISTS -> present;
            case EQUALS -> present && same(value, test.getValue());
            case NOT_EQUALS -> !present || !same(value, test.getValue());
            case GREATER_THAN -> present && value.hasNumberValue() && test.getValue().hasNumberValue()
                    && value.getNumberValue() > test.getValue().getNumberValue();
            case LESS_THAN -> present && value.hasNumberValue() && test.getValue().hasNumberValue()
                    && value.getNumberValue() < test.getValue().getNumberValue();
            case OPERATOR_UNSPECIFIED, UNRECOGNIZED -> false; // refused on save; a journey stored otherwise goes the else way
        };
    }

    /** Equal values; a number also equals its text ("3" = 3), as event properties from different apps come. */
    private static boolean same(Value a, Value b) {
        if (a.hasNumberValue() && b.hasStringValue() || a.hasStringValue() && b.hasNumberValue()) {
            try {
                double x = a.hasNumberValue() ? a.getNumberValue() : Double.parseDouble(a.getStringValue());
                double y = b.hasNumberValue() ? b.getNumberValue() : Double.parseDouble(b.getStringValue());
                return x == y;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return a.equals(b);
    }

    private static Value property(Struct struct, String path) {
        Value value = null;
        Struct at = struct;
        for (String part : path.split("\\.")) {
            if (at == null) {
                return null;
            }
            value = at.getFieldsMap().get(part);
            if (value == null) {
                return null;
            }
            at = value.hasStructValue() ? value.getStructValue() : null;
        }
        return value;
    }

    private static Outcome exited(int step, Instant since, String reason, List<Integer> sends, List<AttributeChange> updates, List<String> paths) {
        return new Outcome(new Position(step, since, Status.EXITED), null, reason, sends, updates, paths);
    }
}
