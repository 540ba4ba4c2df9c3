package dev.rapport.profile.identity;

import java.util.List;

import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;

/** What an identifier must be: a type and a value of at most 256 characters. */
public final class Identifiers {
    public static final int MAX_VALUE_LENGTH = 256;

    private Identifiers() {
    }

    public static void check(String field, Identifier identifier, List<Violation> violations) {
        if (identifier.getType() == Identifier.Type.TYPE_UNSPECIFIED || identifier.getType() == Identifier.Type.UNRECOGNIZED) {
            violations.add(new Violation(field + ".type", "required: EXTERNAL_ID, EMAIL, PHONE, DEVICE_ID or ANONYMOUS_ID"));
        }
        if (identifier.getValue().isBlank()) {
            violations.add(new Violation(field + ".value", "required"));
        } else if (identifier.getValue().length() > MAX_VALUE_LENGTH) {
            violations.add(new Violation(field + ".value", "at most " + MAX_VALUE_LENGTH + " characters"));
        } else if (identifier.getValue().indexOf('\u0000') >= 0) {
            violations.add(new Violation(field + ".value", "no NUL characters"));
        }
    }

    public static void check(String field, Identifier identifier) {
        List<Violation> violations = new java.util.ArrayList<>();
        check(field, identifier, violations);
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
    }
}
