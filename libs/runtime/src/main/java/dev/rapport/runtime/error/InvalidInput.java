package dev.rapport.runtime.error;

import java.util.List;

/**
 * Input a client must fix. Reported as HTTP 400 problem+json with the fields, or gRPC INVALID_ARGUMENT with
 * {@code google.rpc.BadRequest} field violations. Thrown before anything is written.
 */
public class InvalidInput extends RuntimeException {
    public record Violation(String field, String description) {
    }

    private final List<Violation> violations;

    public InvalidInput(List<Violation> violations) {
        super(violations.isEmpty() ? "invalid input" : violations.get(0).field() + ": " + violations.get(0).description());
        this.violations = List.copyOf(violations);
    }

    public InvalidInput(String field, String description) {
        this(List.of(new Violation(field, description)));
    }

    /** A REST body that JSON could not make into the expected message arrives as null: the caller's mistake. */
    public static <T> T body(T request, String what) {
        if (request == null) {
            throw new InvalidInput("body", what + " in JSON");
        }
        return request;
    }

    /** The same violations, for an item of a larger request: "event.name" becomes "requests[17].event.name". */
    public InvalidInput within(String prefix) {
        return new InvalidInput(violations.stream().map(v -> new Violation(prefix + "." + v.field(), v.description())).toList());
    }

    public List<Violation> violations() {
        return violations;
    }
}
