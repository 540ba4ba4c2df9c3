package dev.rapport.profile;

import static dev.rapport.profile.AttributesTest.customer;
import static dev.rapport.profile.AttributesTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.EventContext;
import dev.rapport.proto.profile.v1.EventCount;
import dev.rapport.proto.profile.v1.GeoPoint;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.PurchaseSummary;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.Traits;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.testing.PostgresAndKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
class TraitsTest extends CallsProfileService {

    private void record(Identifier who, String name, Instant at, Struct properties, EventContext context) {
        Event.Builder event = Event.newBuilder().setId(UUID.randomUUID().toString()).setName(name).setOccurTime(Envelopes.timestamp(at));
        if (properties != null) {
            event.setProperties(properties);
        }
        if (context != null) {
            event.setContext(context);
        }
        profiles.recordEvent(RecordEventRequest.newBuilder().setIdentifier(who).setEvent(event).build());
    }

    private static Struct order(double total, String currency) {
        Struct.Builder order = Struct.newBuilder().putFields("total", Value.newBuilder().setNumberValue(total).build());
        if (currency != null) {
            order.putFields("currency", text(currency));
        }
        return order.build();
    }

    private Traits traits(Identifier who) {
        return profiles.getProfile(GetProfileRequest.newBuilder().setIdentifier(who).build()).getTraits();
    }

    @Test
    void purchasesAreSummedPerCurrencyNeverAcross() {
        Identifier shopper = customer();
        Instant now = Instant.now();
        record(shopper, "order_placed", now.minus(3, ChronoUnit.DAYS), order(10, null), null);
        record(shopper, "order_placed", now.minus(1, ChronoUnit.DAYS), order(20.5, "eur"), null);
        record(shopper, "purchase", now, order(15000, "KRW"), null);
        record(shopper, "order_placed", now, Struct.getDefaultInstance(), null); // no amount: not a purchase to sum

        List<PurchaseSummary> purchases = traits(shopper).getPurchasesList();
        assertEquals(List.of("EUR", "KRW"), purchases.stream().map(PurchaseSummary::getCurrency).toList());
        assertEquals(2, purchases.get(0).getCount());
        assertEquals(30.5, purchases.get(0).getTotal());
        assertEquals(15.25, purchases.get(0).getAverage());
        assertEquals(Envelopes.timestamp(now.minus(1, ChronoUnit.DAYS)).getSeconds(), purchases.get(0).getLastTime().getSeconds());
        assertEquals(15000, purchases.get(1).getTotal());
    }

    @Test
    void eventCountsCoverRollingWindowsAndSeenTimesFollowTheEventsNotTheirArrival() {
        Identifier shopper = customer();
        Instant now = Instant.now();
        record(shopper, "app_opened", now.minus(40, ChronoUnit.DAYS), null, null);
        record(shopper, "app_opened", now.minus(3, ChronoUnit.DAYS), null, null);
        record(shopper, "app_opened", now, null, null);
        record(shopper, "cart_abandoned", now.minus(200, ChronoUnit.DAYS), null, null); // late and out of order

        Traits traits = traits(shopper);
        EventCount opened = traits.getEventCountsList().stream().filter(c -> c.getName().equals("app_opened")).findFirst().orElseThrow();
        assertEquals(List.of(1L, 2L, 2L, 3L, 3L), List.of(opened.getLast1D(), opened.getLast7D(), opened.getLast30D(), opened.getLast90D(), opened.getAllTime()));
        EventCount abandoned = traits.getEventCountsList().stream().filter(c -> c.getName().equals("cart_abandoned")).findFirst().orElseThrow();
        assertEquals(0, abandoned.getLast90D());
        assertEquals(1, abandoned.getAllTime());
        assertEquals(4, traits.getEventCount());
        assertEquals(now.minus(200, ChronoUnit.DAYS).getEpochSecond(), traits.getFirstSeenTime().getSeconds());
        assertEquals(now.getEpochSecond(), traits.getLastSeenTime().getSeconds());
    }

    @Test
    void theBestHourIsInThePersonsOwnTimeZoneAndFollowsAChangeOfZone() {
        Identifier reader = customer();
        profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(reader).putAttributes("time_zone", text("Asia/Seoul")).build());
        // Mondays at 01:30 UTC: 10:30 in Seoul (hour of week 10), 02:30 in Madrid in winter (hour 2).
        Instant monday = Instant.parse("2026-11-16T01:30:00Z");
        for (int week = 0; week < 5; week++) {
            record(reader, "email_opened", monday.minus(7L * week, ChronoUnit.DAYS), null, null);
        }
        record(reader, "session_started", Instant.parse("2026-11-18T12:00:00Z"), null, null); // Wednesday 21:00 in Seoul
        record(reader, "product_viewed", monday, null, null); // not engagement

        Traits seoul = traits(reader);
        assertEquals(10, seoul.getBestHourOfWeek());
        assertEquals(5, seoul.getEngagementByHourOfWeek(10));
        assertEquals(1, seoul.getEngagementByHourOfWeek(2 * 24 + 21));
        assertEquals(168, seoul.getEngagementByHourOfWeekCount());

        profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(reader).putAttributes("time_zone", text("Europe/Madrid")).build());
        Traits madrid = traits(reader);
        assertEquals(2, madrid.getBestHourOfWeek());
        assertEquals(6, madrid.getEngagementByHourOfWeekList().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void tooLittleEngagementGivesNoBestHour() {
        Identifier quiet = customer();
        record(quiet, "app_opened", Instant.now(), null, null);
        assertFalse(traits(quiet).hasBestHourOfWeek());
    }

    @Test
    void theNewestLocationAndLocaleWinEvenWhenAnOlderEventArrivesLater() {
        Identifier traveller = customer();
        Instant now = Instant.now();
        record(traveller, "app_opened", now.minus(1, ChronoUnit.HOURS), null, EventContext.newBuilder().setLocale("ko-kr")
                .setLocation(GeoPoint.newBuilder().setLatitude(37.5665).setLongitude(126.978).setAccuracyM(30)).build());
        record(traveller, "app_opened", now.minus(5, ChronoUnit.HOURS), null, EventContext.newBuilder().setLocale("en-GB")
                .setLocation(GeoPoint.newBuilder().setLatitude(51.5072).setLongitude(-0.1276)).build());

        Traits traits = traits(traveller);
        assertEquals(37.5665, traits.getLastLocation().getLatitude());
        assertEquals(30, traits.getLastLocation().getAccuracyM());
        assertEquals("ko-KR", traits.getPreferredLanguage());

        profiles.updateAttributes(UpdateAttributesRequest.newBuilder().setIdentifier(traveller).putAttributes("language", text("en")).build());
        assertEquals("en", traits(traveller).getPreferredLanguage(), "a stated language wins over what devices say");
    }
}
