package dev.rapport.profile.profile;

import java.util.regex.Pattern;

import dev.rapport.runtime.error.InvalidInput;

/** Where a change came from ("client:shop-app/crm", "api"): recorded with each version and merge. */
public final class ChangeSource {
    private static final Pattern PRINTABLE = Pattern.compile("[^\\p{Cntrl}]{1,128}");

    private ChangeSource() {
    }

    /** The source given, or "api" when none was. */
    public static String of(String given) {
        if (given.isEmpty()) {
            return "api";
        }
        if (!PRINTABLE.matcher(given).matches()) {
            throw new InvalidInput("source", "1 to 128 printable characters");
        }
        return given;
    }
}
