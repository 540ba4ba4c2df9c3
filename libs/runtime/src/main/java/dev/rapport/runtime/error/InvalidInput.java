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

    /** The field violations a gRPC INVALID_ARGUMENT status carries (google.rpc.BadRequest), for relaying them. */
    public static List<Violation> carriedBy(io.grpc.StatusRuntimeException failure) {
        com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(failure);
        if (details == null) {
            return List.of();
        }
        return details.getDetailsList().stream().filter(any -> any.is(com.google.rpc.BadRequest.class)).flatMap(any -> {
            try {
                return any.unpack(com.google.rpc.BadRequest.class).getFieldViolationsList().stream();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                return java.util.stream.Stream.empty();
            }
        }).map(v -> new Violation(v.getField(), v.getDescription())).toList();
    }

    /** Whether text holds a NUL character, which PostgreSQL refuses in text columns: a field error, not a 500. */
    public static boolean hasNul(String text) {
        return text.indexOf('\u0000') >= 0;
    }
}
