package dev.rapport.profile.profile;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import dev.rapport.runtime.error.InvalidInput;

/** Opaque page cursors: the (time, id) of the last item a page returned, or the last version number. */
public record PageToken(Instant time, String id) {
    public static final int DEFAULT_SIZE = 50;
    public static final int MAX_SIZE = 1000;
    private static final PageToken FIRST = new PageToken(Instant.parse("9999-12-31T00:00:00Z"), "");

    /** The page size asked for: 0 means the default. */
    public static int size(int requested) {
        if (requested < 0 || requested > MAX_SIZE) {
            throw new InvalidInput("page_size", "between 0 and " + MAX_SIZE);
        }
        return requested == 0 ? DEFAULT_SIZE : requested;
    }

    public static PageToken decode(String token) {
        if (token == null || token.isEmpty()) {
            return FIRST;
        }
        try {
            String[] parts = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).split("\n", 2);
            return new PageToken(Instant.parse(parts[0]), parts[1]);
        } catch (RuntimeException e) {
            throw new InvalidInput("page_token", "not a token this API returned");
        }
    }

    public static String encode(Instant time, String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((time + "\n" + id).getBytes(StandardCharsets.UTF_8));
    }

    public static long decodeVersion(String token) {
        if (token == null || token.isEmpty()) {
            return Long.MAX_VALUE;
        }
        try {
            return Long.parseLong(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8).substring(2));
        } catch (RuntimeException e) {
            throw new InvalidInput("page_token", "not a token this API returned");
        }
    }

    public static String encodeVersion(long version) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("v:" + version).getBytes(StandardCharsets.UTF_8));
    }
}
