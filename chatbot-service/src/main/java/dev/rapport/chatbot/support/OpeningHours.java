package dev.rapport.chatbot.support;

import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When people answer chats: "MON-FRI 09:00-18:00, SAT 10:00-14:00" in a time zone, or "always", or "never" (a
 * brand without live support: the bot and tickets only). A range ending at or before it starts runs past midnight.
 */
public final class OpeningHours {
    private static final Pattern PART = Pattern.compile("([A-Z]{3})(?:-([A-Z]{3}))? (\\d{2}:\\d{2})-(\\d{2}:\\d{2})");

    private record Window(LocalTime from, LocalTime to) {
    }

    private final String text;
    private final ZoneId zone;
    private final boolean always;
    private final Map<DayOfWeek, List<Window>> windows = new EnumMap<>(DayOfWeek.class);

    private OpeningHours(String text, ZoneId zone, boolean always) {
        this.text = text;
        this.zone = zone;
        this.always = always;
    }

    /** Parses the hours; an IllegalArgumentException says what is wrong. */
    public static OpeningHours parse(String text, ZoneId zone) {
        String normalised = text.strip().toUpperCase(Locale.ROOT);
        if (normalised.equals("ALWAYS") || normalised.equals("NEVER")) {
            return new OpeningHours(text.strip(), zone, normalised.equals("ALWAYS"));
        }
        OpeningHours hours = new OpeningHours(text.strip(), zone, false);
        for (String part : normalised.split("\\s*,\\s*")) {
            Matcher m = PART.matcher(part);
            if (!m.matches()) {
                throw new IllegalArgumentException("opening hours: '" + part + "' is not like MON-FRI 09:00-18:00");
            }
            DayOfWeek first = day(m.group(1));
            DayOfWeek last = m.group(2) == null ? first : day(m.group(2));
            Window window;
            try {
                window = new Window(LocalTime.parse(m.group(3)), LocalTime.parse(m.group(4)));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("opening hours: '" + part + "' has an impossible time");
            }
            for (DayOfWeek d = first; ; d = d.plus(1)) {
                hours.windows.computeIfAbsent(d, k -> new ArrayList<>()).add(window);
                if (d == last) {
                    break;
                }
            }
        }
        return hours;
    }

    private static DayOfWeek day(String abbreviation) {
        for (DayOfWeek d : DayOfWeek.values()) {
            if (d.name().startsWith(abbreviation)) {
                return d;
            }
        }
        throw new IllegalArgumentException("opening hours: '" + abbreviation + "' is not a day (MON, TUE, ...)");
    }

    public boolean isOpen(ZonedDateTime at) {
        if (always || windows.isEmpty()) {
            return always;
        }
        ZonedDateTime local = at.withZoneSameInstant(zone);
        LocalTime time = local.toLocalTime();
        for (Window w : windows.getOrDefault(local.getDayOfWeek(), List.of())) {
            boolean open = w.to().isAfter(w.from())
                    ? !time.isBefore(w.from()) && time.isBefore(w.to())
                    : !time.isBefore(w.from()); // runs past midnight: the rest of this day
            if (open) {
                return true;
            }
        }
        for (Window w : windows.getOrDefault(local.getDayOfWeek().minus(1), List.of())) {
            if (!w.to().isAfter(w.from()) && time.isBefore(w.to())) {
                return true; // yesterday's window past midnight
            }
        }
        return false;
    }

    /** As configured, with the time zone: what the bot tells customers. */
    public String describe() {
        return text + " (" + zone.getId() + ")";
    }
}
