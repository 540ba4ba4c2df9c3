package dev.rapport.profile.event;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.event.Envelopes;

/** What an incoming event must satisfy before anything is written. */
final class EventValidation {
    static final int MAX_PROPERTIES_BYTES = 32 * 1024;
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]{0,63}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,128}");
    private static final Duration MAX_FUTURE = Duration.ofHours(24);
    private static final Instant OLDEST = Instant.parse("2000-01-01T00:00:00Z");

    private EventValidation() {
    }

    static void check(Identifier identifier, Event event, Instant now) {
        List<Violation> violations = new ArrayList<>();
        if (identifier.getType() == Identifier.Type.TYPE_UNSPECIFIED || identifier.getType() == Identifier.Type.UNRECOGNIZED) {
            violations.add(new Violation("identifier.type", "required: EXTERNAL_ID, EMAIL, PHONE, DEVICE_ID or ANONYMOUS_ID"));
        }
        if (identifier.getValue().isBlank()) {
            violations.add(new Violation("identifier.value", "required"));
        } else if (identifier.getValue().length() > 256) {
            violations.add(new Violation("identifier.value", "at most 256 characters"));
        }
        if (!event.getId().isEmpty() && !ID.matcher(event.getId()).matches()) {
            violations.add(new Violation("event.id", "1 to 128 of letters, digits, '_', '.', ':' or '-'"));
        }
        if (!NAME.matcher(event.getName()).matches()) {
            violations.add(new Violation("event.name", "required: a letter, then up to 63 letters, digits, '_', '.', ':' or '-'"));
        }
        if (event.hasOccurTime()) {
            Instant at = Envelopes.instant(event.getOccurTime());
            if (at.isBefore(OLDEST) || at.isAfter(now.plus(MAX_FUTURE))) {
                violations.add(new Violation("event.occur_time", "must lie between 2000-01-01 and 24 hours from now"));
            }
        }
        if (event.getProperties().getSerializedSize() > MAX_PROPERTIES_BYTES) {
            violations.add(new Violation("event.properties", "at most " + MAX_PROPERTIES_BYTES + " bytes"));
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
    }
}
