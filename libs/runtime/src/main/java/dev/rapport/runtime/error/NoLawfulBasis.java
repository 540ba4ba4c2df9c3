package dev.rapport.runtime.error;

/**
 * The person gave no basis for the purpose an operation serves (consent withdrawn or never given, where the policy
 * needs it). HTTP 403 problem+json naming the purpose, or gRPC PERMISSION_DENIED; nothing was read or written.
 */
public class NoLawfulBasis extends RuntimeException {
    private final String purpose;

    public NoLawfulBasis(String purpose, String reason) {
        super("no lawful basis to use this person's data for " + purpose + " (" + reason + ")");
        this.purpose = purpose;
    }

    public String purpose() {
        return purpose;
    }
}
