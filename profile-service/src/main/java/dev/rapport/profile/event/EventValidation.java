package dev.rapport.profile.event;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import com.google.protobuf.Value;

import dev.rapport.profile.attribute.AttributeValidation;
import dev.rapport.profile.identity.Identifiers;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.EventContext;
import dev.rapport.proto.profile.v1.GeoPoint;
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
        Identifiers.check("identifier", identifier, violations);
        if (!event.getId().isEmpty() && !ID.matcher(event.getId()).matches()) {
            violations.add(new Violation("event.id", "1 to 128 of letters, digits, '_', '.', ':' or '-'"));
        }
        if (!NAME.matcher(event.getName()).matches()) {
            violations.add(new Violation("event.name", "required: a letter, then up to 63 letters, digits, '_', '.', ':' or '-'"));
        }
        if (event.hasOccurTime()) {
            // a Timestamp off the calendar (any int64 can come over gRPC) is refused before it becomes an Instant
            Instant at = com.google.protobuf.util.Timestamps.isValid(event.getOccurTime()) ? Envelopes.instant(event.getOccurTime()) : Instant.MIN;
            if (at.isBefore(OLDEST) || at.isAfter(now.plus(MAX_FUTURE))) {
                violations.add(new Violation("event.occur_time", "must lie between 2000-01-01 and 24 hours from now"));
            }
        }
        if (event.getProperties().getSerializedSize() > MAX_PROPERTIES_BYTES) {
            violations.add(new Violation("event.properties", "at most " + MAX_PROPERTIES_BYTES + " bytes"));
        } else if (hasNul(Value.newBuilder().setStructValue(event.getProperties()).build())) {
            violations.add(new Violation("event.properties", "no NUL characters in names or texts"));
        }
        if (event.getSource().length() > 128 || event.getSource().chars().anyMatch(Character::isISOControl)) {
            violations.add(new Violation("event.source", "at most 128 printable characters"));
        }
        checkContext(event.getContext(), violations);
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
    }

    /** PostgreSQL stores no NUL in text or JSON: refused here, named, rather than failing a whole batch later. */
    private static boolean hasNul(Value value) {
        return switch (value.getKindCase()) {
            case STRING_VALUE -> value.getStringValue().indexOf('\u0000') >= 0;
            case STRUCT_VALUE -> value.getStructValue().getFieldsMap().entrySet().stream()
                    .anyMatch(field -> field.getKey().indexOf('\u0000') >= 0 || hasNul(field.getValue()));
            case LIST_VALUE -> value.getListValue().getValuesList().stream().anyMatch(EventValidation::hasNul);
            default -> false;
        };
    }

    private static void checkContext(EventContext context, List<Violation> violations) {
        if ((context.getPlatform() + context.getDeviceModel() + context.getAppVersion()).indexOf('\u0000') >= 0) {
            violations.add(new Violation("event.context", "no NUL characters"));
        }
        if (context.getPlatform().length() > 32) {
            violations.add(new Violation("event.context.platform", "at most 32 characters"));
        }
        if (context.getDeviceModel().length() > 128) {
            violations.add(new Violation("event.context.device_model", "at most 128 characters"));
        }
        if (context.getAppVersion().length() > 64) {
            violations.add(new Violation("event.context.app_version", "at most 64 characters"));
        }
        if (!context.getLocale().isEmpty()) {
            try {
                AttributeValidation.languageTag(context.getLocale());
            } catch (IllegalArgumentException e) {
                violations.add(new Violation("event.context.locale", e.getMessage()));
            }
        }
        if (context.hasLocation()) {
            GeoPoint at = context.getLocation();
            if (!(at.getLatitude() >= -90 && at.getLatitude() <= 90)) {
                violations.add(new Violation("event.context.location.latitude", "between -90 and 90"));
            }
            if (!(at.getLongitude() >= -180 && at.getLongitude() <= 180)) {
                violations.add(new Violation("event.context.location.longitude", "between -180 and 180"));
            }
            if (!(at.getAccuracyM() >= 0 && at.getAccuracyM() <= 1e7)) {
                violations.add(new Violation("event.context.location.accuracy_m", "between 0 and 10,000,000 metres"));
            }
        }
    }
}
