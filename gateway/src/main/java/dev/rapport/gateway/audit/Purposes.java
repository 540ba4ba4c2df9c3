package dev.rapport.gateway.audit;

/** The data uses (fideslang) the gateway's operations declare; consent enforcement per purpose reads them. */
public final class Purposes {
    /** Recording and reading what a customer did in the brand's own app, to serve them. */
    public static final String ESSENTIAL_SERVICE = "essential.service";
    /** Keeping and showing the proof of a person's consent decisions. */
    public static final String LEGAL_OBLIGATION = "essential.legal_obligation";

    private Purposes() {
    }
}
