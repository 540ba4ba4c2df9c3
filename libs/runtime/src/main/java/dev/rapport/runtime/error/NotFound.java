package dev.rapport.runtime.error;

/** The resource does not exist, or the caller may not know that it does: both answer the same way. */
public class NotFound extends RuntimeException {
    public NotFound(String what) {
        super(what + " not found");
    }
}
