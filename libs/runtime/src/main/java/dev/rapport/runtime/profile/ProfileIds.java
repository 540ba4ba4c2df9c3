package dev.rapport.runtime.profile;

import java.util.UUID;

import dev.rapport.runtime.error.InvalidInput;

/** Profile ids are UUIDs; anything else is the caller's mistake, named by field. */
public final class ProfileIds {
    private ProfileIds() {
    }

    public static UUID parse(String field, String value) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(field, "not a profile id");
        }
    }
}
