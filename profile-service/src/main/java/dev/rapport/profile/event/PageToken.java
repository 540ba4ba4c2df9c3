package dev.rapport.profile.event;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import dev.rapport.runtime.error.InvalidInput;

/** An opaque cursor: the (occur_time, id) of the last event a page returned. */
record PageToken(Instant time, String id) {
    private static final PageToken FIRST = new PageToken(Instant.parse("9999-12-31T00:00:00Z"), "");

    static PageToken decode(String token) {
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

    static String encode(Instant time, String id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((time + "\n" + id).getBytes(StandardCharsets.UTF_8));
    }
}
