package dev.rapport.campaign.delivery;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import dev.rapport.proto.campaign.v1.QuietHours;
import dev.rapport.proto.campaign.v1.SendTime;

/**
 * When a message may reach a person, in their own time zone: at their best hour (the hour of the day their
 * engagement histogram peaks, else the campaign's fallback hour), and never inside quiet hours. Decided from the time
 * given, so tests use a fixed clock.
 */
public final class SendTimes {
    /** Fewer engagements than this say nothing about when someone reads. */
    static final long ENOUGH_HISTORY = 5;

    private SendTimes() {
    }

    /** Now, later (with why), or not at all (quiet hours that drop, with why). */
    public record Decision(Instant at, String why, boolean dropped) {
        static Decision now(Instant now) {
            return new Decision(now, null, false);
        }

        boolean later(Instant now) {
            return !dropped && at.isAfter(now);
        }
    }

    /** The person's own time zone (their time_zone attribute), UTC for someone without a valid one. */
    public static ZoneId zoneOf(dev.rapport.proto.profile.v1.Profile profile) {
        com.google.protobuf.Value zone = profile.getAttributesMap().get("time_zone");
        try {
            return zone != null && zone.hasStringValue() ? ZoneId.of(zone.getStringValue()) : java.time.ZoneOffset.UTC;
        } catch (java.time.DateTimeException e) {
            return java.time.ZoneOffset.UTC;
        }
    }

    /** The hour of the day (0–23) a person engages most, from the 168 hours of the week; empty with too little history. */
    public static OptionalInt bestHourOfDay(List<Long> engagementByHourOfWeek) {
        if (engagementByHourOfWeek.size() != 168) {
            return OptionalInt.empty();
        }
        long[] byHour = new long[24];
        long total = 0;
        for (int i = 0; i < 168; i++) {
            byHour[i % 24] += engagementByHourOfWeek.get(i);
            total += engagementByHourOfWeek.get(i);
        }
        if (total < ENOUGH_HISTORY) {
            return OptionalInt.empty();
        }
        int best = 0;
        for (int h = 1; h < 24; h++) {
            if (byHour[h] > byHour[best]) {
                best = h;
            }
        }
        return OptionalInt.of(best);
    }

    /**
     * When the message may go: {@code sendTime} is the campaign's, {@code serviceQuiet} the service's own quiet hours
     * (for promotional messages), {@code bestHour} the person's best hour of the day when known.
     */
    public static Decision decide(Instant now, ZoneId zone, SendTime sendTime, Optional<QuietHours> serviceQuiet, OptionalInt bestHour) {
        ZonedDateTime local = now.atZone(zone);
        Instant at = now;
        String why = null;
        if (sendTime.getBestHour()) {
            OptionalInt hour = bestHour.isPresent() ? bestHour
                    : sendTime.hasFallbackHour() ? OptionalInt.of(sendTime.getFallbackHour()) : OptionalInt.empty();
            if (hour.isPresent() && local.getHour() != hour.getAsInt()) {
                ZonedDateTime next = local.truncatedTo(ChronoUnit.HOURS).withHour(hour.getAsInt());
                if (!next.isAfter(local)) {
                    next = next.plusDays(1);
                }
                at = next.toInstant();
                // (the zone stays out of the reason: reasons are counted in summaries and published)
                why = "waiting for " + two(hour.getAsInt()) + ":00 their time" + (bestHour.isPresent() ? " (their best hour)" : " (the fallback hour)");
            }
        }
        for (QuietHours quiet : quietHours(sendTime, serviceQuiet)) {
            ZonedDateTime when = at.atZone(zone);
            if (inside(quiet, when.getHour())) {
                if (quiet.getDrop()) {
                    return new Decision(at, "quiet hours (" + two(quiet.getStartHour()) + ":00–" + two(quiet.getEndHour()) + ":00 their time)", true);
                }
                ZonedDateTime end = when.truncatedTo(ChronoUnit.HOURS).withHour(quiet.getEndHour());
                if (!end.isAfter(when)) {
                    end = end.plusDays(1);
                }
                at = end.toInstant();
                why = "waiting for the end of quiet hours, " + two(quiet.getEndHour()) + ":00 their time";
            }
        }
        return at.equals(now) ? Decision.now(now) : new Decision(at, why, false);
    }

    private static List<QuietHours> quietHours(SendTime sendTime, Optional<QuietHours> service) {
        List<QuietHours> all = new java.util.ArrayList<>();
        if (sendTime.hasQuietHours()) {
            all.add(sendTime.getQuietHours());
        }
        service.ifPresent(all::add);
        return all;
    }

    static boolean inside(QuietHours quiet, int hour) {
        int start = quiet.getStartHour();
        int end = quiet.getEndHour();
        return start < end ? hour >= start && hour < end : hour >= start || hour < end;
    }

    private static String two(int hour) {
        return hour < 10 ? "0" + hour : String.valueOf(hour);
    }
}
