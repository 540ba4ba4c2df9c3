package dev.rapport.runtime.error;

/** The caller is over a limit: HTTP 429 / RESOURCE_EXHAUSTED, with the seconds until it may try again (Retry-After). */
public class TooManyRequests extends RuntimeException {
    private final long retryAfterSeconds;

    public TooManyRequests(String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
