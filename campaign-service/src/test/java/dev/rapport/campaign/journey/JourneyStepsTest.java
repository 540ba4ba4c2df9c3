package dev.rapport.campaign.journey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.campaign.journey.JourneySteps.AttributeChange;
import dev.rapport.campaign.journey.JourneySteps.Outcome;
import dev.rapport.campaign.journey.JourneySteps.Person;
import dev.rapport.campaign.journey.JourneySteps.Position;
import dev.rapport.campaign.journey.JourneySteps.Status;
import dev.rapport.proto.campaign.v1.Branch;
import dev.rapport.proto.campaign.v1.ExitJourney;
import dev.rapport.proto.campaign.v1.PropertyTest;
import dev.rapport.proto.campaign.v1.Split;
import dev.rapport.proto.campaign.v1.SplitPath;
import dev.rapport.proto.campaign.v1.UpdateAttribute;
import dev.rapport.proto.campaign.v1.WaitUntil;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.SendMessage;
import dev.rapport.proto.campaign.v1.WaitForEvent;

/** How a run moves through its steps, at fixed times. */
class JourneyStepsTest {
    private static final Instant ENTRY = Instant.parse("2026-11-24T10:00:00Z");
    /** A run whose person is not looked up and whose trigger said nothing. */
    private static final Person NOBODY = Person.unknown(UUID.fromString("00000000-0000-4000-8000-000000000001"), Struct.getDefaultInstance());

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
        Outcome entered = JourneySteps.advance(CART, new Position(0, ENTRY, Status.RUNNING), ENTRY, NOBODY);
        assertEquals(new Position(0, ENTRY, Status.WAITING), entered.position());
        assertEquals(ENTRY.plusSeconds(7200), entered.due());
        assertEquals(List.of(), entered.sends());
    }

    @Test
    void nothingMovesBeforeItsTime() {
        Outcome early = JourneySteps.advance(CART, new Position(0, ENTRY, Status.WAITING), ENTRY.plusSeconds(7199), NOBODY);
        assertEquals(new Position(0, ENTRY, Status.WAITING), early.position());
        assertEquals(List.of(), early.sends());
    }

    @Test
    void theTimeoutSendsTheReminderThenWaitsADay() {
        Instant timeout = ENTRY.plusSeconds(7200);
        Outcome reminded = JourneySteps.advance(CART, new Position(0, ENTRY, Status.WAITING), timeout, NOBODY);
        assertEquals(List.of(1), reminded.sends());
        assertEquals(new Position(2, timeout, Status.RUNNING), reminded.position());
        assertEquals(timeout.plusSeconds(24 * 3600), reminded.due());

        Outcome late = JourneySteps.advance(CART, reminded.position(), timeout.plusSeconds(30 * 3600), NOBODY);
        assertEquals(List.of(3), late.sends(), "a timer fired late still takes its step once");
        assertEquals(Status.COMPLETED, late.position().status());
        assertNull(late.due());
    }

    @Test
    void thePurchaseInTimeTakesThePersonOut() {
        Outcome bought = JourneySteps.eventArrived(CART, new Position(0, ENTRY, Status.WAITING), "order_placed", ENTRY.plusSeconds(600), NOBODY);
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
        Outcome next = JourneySteps.eventArrived(welcome, new Position(0, ENTRY, Status.WAITING), "app_opened", opened, NOBODY);
        assertEquals(List.of(1), next.sends());
        assertEquals(Status.EXITED, next.position().status(), "the exit step ends it before the last message");
        assertEquals("exit at step 3", next.exitReason());

        Outcome silent = JourneySteps.advance(welcome, new Position(0, ENTRY, Status.WAITING), ENTRY.plusSeconds(48 * 3600), NOBODY);
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

    /** A big basket gets a voucher, a small one a reminder: branch on the trigger's total, then one message each. */
    private static final Journey BASKET = Journey.newBuilder().setTriggerEvent("cart_abandoned")
            .addSteps(JourneyStep.newBuilder().setBranch(Branch.newBuilder().setTriggerProperty(PropertyTest.newBuilder()
                    .setProperty("cart.total").setOperator(PropertyTest.Operator.GREATER_THAN).setValue(number(50)))
                    .setThenGoToStep(0).setElseGoToStep(5)))
            .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
            .addSteps(JourneyStep.newBuilder().setUpdateAttribute(UpdateAttribute.newBuilder().setAttribute("voucher_offered")
                    .setValue(Value.newBuilder().setBoolValue(true))))
            .addSteps(JourneyStep.newBuilder().setExit(ExitJourney.getDefaultInstance()))
            .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
            .build();

    @Test
    void aBranchOnWhatTriggeredTheRunGoesOneWayOrTheOther() {
        Outcome big = JourneySteps.advance(BASKET, new Position(0, ENTRY, Status.RUNNING), ENTRY, trigger(80));
        assertEquals(List.of(1), big.sends());
        assertEquals(List.of(new AttributeChange(2, "voucher_offered", Value.newBuilder().setBoolValue(true).build())), big.updates());
        assertEquals("exit at step 4", big.exitReason());

        Outcome small = JourneySteps.advance(BASKET, new Position(0, ENTRY, Status.RUNNING), ENTRY, trigger(20));
        assertEquals(List.of(4), small.sends(), "else goes to step 5");
        assertEquals(List.of(), small.updates());
        assertEquals(Status.COMPLETED, small.position().status());

        Outcome none = JourneySteps.advance(BASKET, new Position(0, ENTRY, Status.RUNNING), ENTRY, NOBODY);
        assertEquals(List.of(4), none.sends(), "a missing property is not greater than anything");
    }

    @Test
    void propertyTestsCompareLikeMarketersMeanThem() {
        Struct cart = Struct.newBuilder().putFields("plan", Value.newBuilder().setStringValue("premium").build())
                .putFields("items", Value.newBuilder().setStringValue("3").build())
                .putFields("coupon", Value.newBuilder().setNullValue(com.google.protobuf.NullValue.NULL_VALUE).build()).build();
        assertEquals(true, JourneySteps.holds(test("plan", PropertyTest.Operator.EQUALS, Value.newBuilder().setStringValue("premium").build()), cart));
        assertEquals(false, JourneySteps.holds(test("plan", PropertyTest.Operator.NOT_EQUALS, Value.newBuilder().setStringValue("premium").build()), cart));
        assertEquals(true, JourneySteps.holds(test("items", PropertyTest.Operator.EQUALS, number(3)), cart), "\"3\" is 3");
        assertEquals(false, JourneySteps.holds(test("coupon", PropertyTest.Operator.EXISTS, Value.getDefaultInstance()), cart), "null is not there");
        assertEquals(true, JourneySteps.holds(test("missing", PropertyTest.Operator.NOT_EQUALS, number(1)), cart));
        assertEquals(false, JourneySteps.holds(test("plan", PropertyTest.Operator.LESS_THAN, number(1)), cart), "text is not a number");
    }

    @Test
    void aBranchOnASegmentWaitsForThePersonToBeLookedUpThenFollowsTheirMembership() {
        String vip = UUID.randomUUID().toString();
        Journey journey = Journey.newBuilder().setTriggerEvent("signed_up")
                .addSteps(JourneyStep.newBuilder().setBranch(Branch.newBuilder().setInSegment(vip).setElseGoToStep(3)))
                .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
                .build();
        Outcome entered = JourneySteps.advance(journey, new Position(0, ENTRY, Status.RUNNING), ENTRY, NOBODY);
        assertEquals(new Position(0, ENTRY, Status.RUNNING), entered.position(), "the timer looks them up");
        assertEquals(ENTRY, entered.due());
        assertEquals(true, JourneySteps.needsLookUp(journey, 0));

        Instant later = ENTRY.plusSeconds(1);
        assertEquals(List.of(1), JourneySteps.advance(journey, entered.position(), later, lookedUp(Set.of(vip), ZoneId.of("UTC"), OptionalInt.empty())).sends());
        Journey upperCase = journey.toBuilder().setSteps(0, JourneyStep.newBuilder().setBranch(Branch.newBuilder()
                .setInSegment(vip.toUpperCase()).setElseGoToStep(3))).build();
        assertEquals(List.of(1), JourneySteps.advance(upperCase, entered.position(), later, lookedUp(Set.of(vip), ZoneId.of("UTC"), OptionalInt.empty())).sends(),
                "a segment id is an id however it is spelled");
        Outcome other = JourneySteps.advance(journey, entered.position(), later, lookedUp(Set.of(), ZoneId.of("UTC"), OptionalInt.empty()));
        assertEquals(List.of(), other.sends());
        assertEquals(Status.COMPLETED, other.position().status(), "else goes to the end");
    }

    @Test
    void waitUntilIsTheNextTimeOfDayInThePersonsOwnZone() {
        WaitUntil nine = WaitUntil.newBuilder().setHour(9).build();
        // 10:00 UTC is 19:00 in Seoul: the next 09:00 there is tomorrow, 00:00 UTC
        assertEquals(Instant.parse("2026-11-25T00:00:00Z"), JourneySteps.until(nine, ENTRY, lookedUp(Set.of(), ZoneId.of("Asia/Seoul"), OptionalInt.empty())));
        // and in San Francisco (02:00) it is today, 17:00 UTC
        assertEquals(Instant.parse("2026-11-24T17:00:00Z"),
                JourneySteps.until(nine, ENTRY, lookedUp(Set.of(), ZoneId.of("America/Los_Angeles"), OptionalInt.empty())));
        WaitUntil best = WaitUntil.newBuilder().setBestHour(true).setHour(9).setMinute(30).build();
        assertEquals(Instant.parse("2026-11-24T20:30:00Z"), JourneySteps.until(best, ENTRY, lookedUp(Set.of(), ZoneId.of("UTC"), OptionalInt.of(20))));
        assertEquals(Instant.parse("2026-11-25T09:30:00Z"), JourneySteps.until(best, ENTRY, lookedUp(Set.of(), ZoneId.of("UTC"), OptionalInt.empty())),
                "too little history: the stated hour");
        assertEquals(ENTRY, JourneySteps.until(WaitUntil.newBuilder().setBestHour(true).build(), ENTRY,
                lookedUp(Set.of(), ZoneId.of("UTC"), OptionalInt.empty())), "no best hour and no fallback: at once");

        Journey journey = Journey.newBuilder().setTriggerEvent("signed_up").addSteps(JourneyStep.newBuilder().setWaitUntil(nine))
                .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance())).build();
        Person seoul = lookedUp(Set.of(), ZoneId.of("Asia/Seoul"), OptionalInt.empty());
        Outcome waiting = JourneySteps.advance(journey, new Position(0, ENTRY, Status.RUNNING), ENTRY, seoul);
        assertEquals(Instant.parse("2026-11-25T00:00:00Z"), waiting.due());
        assertEquals(List.of(), waiting.sends());
        assertEquals(List.of(1), JourneySteps.advance(journey, waiting.position(), waiting.due(), seoul).sends());
        // a timer that comes hours late (the journey was paused) waits for the next 09:00 instead of firing at night
        Outcome late = JourneySteps.advance(journey, waiting.position(), waiting.due().plusSeconds(5 * 3600), seoul);
        assertEquals(List.of(), late.sends());
        assertEquals(Instant.parse("2026-11-26T00:00:00Z"), late.due());
    }

    @Test
    void aSplitSendsEachRunDownOnePathInTheStatedSharesAndTheSameRunAlwaysTheSameWay() {
        Journey journey = Journey.newBuilder().setTriggerEvent("cart_abandoned")
                .addSteps(JourneyStep.newBuilder().setSplit(Split.newBuilder()
                        .addPaths(SplitPath.newBuilder().setName("reminder").setPercent(70))
                        .addPaths(SplitPath.newBuilder().setName("no reminder").setPercent(30).setGoToStep(3))))
                .addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance()))
                .build();
        Map<String, Integer> paths = new HashMap<>();
        java.util.Random ids = new java.util.Random(7);
        for (int i = 0; i < 10_000; i++) {
            Person person = Person.unknown(new UUID(ids.nextLong(), ids.nextLong()), Struct.getDefaultInstance());
            Outcome outcome = JourneySteps.advance(journey, new Position(0, ENTRY, Status.RUNNING), ENTRY, person);
            assertEquals(outcome, JourneySteps.advance(journey, new Position(0, ENTRY, Status.RUNNING), ENTRY, person), "drawn, not random");
            assertEquals(outcome.paths().equals(List.of("reminder")) ? List.of(1) : List.of(), outcome.sends());
            paths.merge(outcome.paths().get(0), 1, Integer::sum);
        }
        // 7,000 expected; 4 standard deviations (about 46) either side
        assertEquals(7_000, paths.get("reminder"), 190);
        assertEquals(10_000, paths.get("reminder") + paths.get("no reminder"));
    }

    private static Person trigger(double total) {
        return Person.unknown(NOBODY.run(), Struct.newBuilder().putFields("cart", Value.newBuilder().setStructValue(Struct.newBuilder()
                .putFields("total", number(total))).build()).build());
    }

    private static Person lookedUp(Set<String> segments, ZoneId zone, OptionalInt bestHour) {
        return new Person(NOBODY.run(), Struct.getDefaultInstance(), segments, zone, bestHour);
    }

    private static PropertyTest test(String property, PropertyTest.Operator operator, Value value) {
        return PropertyTest.newBuilder().setProperty(property).setOperator(operator).setValue(value).build();
    }

    private static Value number(double n) {
        return Value.newBuilder().setNumberValue(n).build();
    }

    private static Duration hours(long hours) {
        return Duration.newBuilder().setSeconds(hours * 3600).build();
    }
}
