package dev.rapport.runtime;

import java.util.UUID;

import dev.rapport.runtime.error.InvalidInput;

/** Ids Rapport assigns are UUIDs; anything else is the caller's mistake, named by field. */
public final class Ids {
    private Ids() {
    }

    /** A profile id. */
    public static UUID profile(String field, String value) {
        return uuid(field, value, "a profile id");
    }

    /** Any id Rapport assigned; {@code what} names it in the error ("an article id"). */
    public static UUID uuid(String field, String value, String what) {
        try {
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(field, "not " + what);
        }
    }
}
