package dev.rapport.gateway.consent;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.privacy.ConsentView;
import dev.rapport.privacy.DataUses;
import dev.rapport.proto.profile.v1.GeoPoint;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.gateway.caller.Caller;
import dev.rapport.runtime.error.InvalidInput;
import io.quarkus.security.ForbiddenException;
import dev.rapport.runtime.error.NoLawfulBasis;

/**
 * The gateway's enforcement point: an operation on a person's data goes ahead only with a basis for its purpose, and
 * answers only the fields that purpose may see. Decisions come from the in-memory consent view, not the database.
 */
@ApplicationScoped
public class PurposeEnforcement {
    /** Precise location shown to a purpose without its consent is coarsened to one decimal (about 11 km). */
    static final String PRECISE_LOCATION = "user.location.precise";
    private static final double COARSE_ACCURACY_M = 11_000;

    private final ConsentView view;
    private final ConsentPolicy policy;
    private final Clock clock;

    PurposeEnforcement(ConsentView view, ConsentPolicy policy, Clock clock) {
        this.view = view;
        this.policy = policy;
        this.clock = clock;
    }

    /**
     * The purpose a request serves: the one its caller declared ({@code Rapport-Purpose}), else their role's own. A
     * role serves only its purposes: a marketer never reads for an essential use (which would skip consent), an agent
     * reads for support or the service the customer asked for; partner apps, privacy officers and admins may declare
     * any purpose, and the audit trail records which.
     */
    public String purposeFor(Caller caller, Optional<String> declaredHeader) {
        String declared = declaredHeader.orElse("").strip();
        Set<String> roles = caller.roles();
        String own = roles.contains("admin") || roles.contains("partner") ? "essential.service"
                : roles.contains("privacy-officer") ? "essential.legal_obligation"
                : roles.contains("agent") ? "support"
                : roles.contains("marketer") ? "marketing.communications"
                : "essential.service";
        if (declared.isEmpty()) {
            return own;
        }
        if (!DataUses.isKnown(declared)) {
            throw new InvalidInput(RequestSignals.PURPOSE_HEADER, "a data use of the taxonomy, e.g. personalize or marketing.communications");
        }
        boolean anyPurpose = roles.contains("admin") || roles.contains("partner") || roles.contains("privacy-officer");
        boolean agentMay = roles.contains("agent") && (declared.equals("support") || isWithin(declared, "essential.service"));
        boolean marketerMay = roles.contains("marketer") && (isWithin(declared, "marketing") || isWithin(declared, "personalize")
                || isWithin(declared, "analytics"));
        if (!anyPurpose && !agentMay && !marketerMay) {
            throw new ForbiddenException("your role may not serve the purpose " + declared);
        }
        return declared;
    }

    private static boolean isWithin(String use, String broader) {
        return use.equals(broader) || use.startsWith(broader + ".");
    }

    /** Refuses when the person has no basis for the purpose (as far as is known before reading their profile). */
    public void require(String subject, String purpose) {
        ConsentPolicy.Basis basis = policy.basis(view.of(subject), purpose, "", false);
        if (!basis.allowed()) {
            throw new NoLawfulBasis(purpose, basis.reason());
        }
    }

    /**
     * A profile as the purpose may see it: refused when the person, being a minor, has no basis for it; precise
     * location coarsened when the person did not allow it for this purpose.
     */
    public Profile shape(Profile profile, String purpose) {
        if (DataUses.isEssential(purpose)) {
            return profile;
        }
        ConsentView.SubjectConsent consent = view.of(profile.getId());
        String jurisdiction = consent == null ? "" : consent.jurisdiction();
        ConsentPolicy.Basis basis = policy.basis(consent, purpose, "", policy.isMinor(jurisdiction, birthDate(profile), LocalDate.now(clock.withZone(ZoneOffset.UTC))));
        if (!basis.allowed()) {
            throw new NoLawfulBasis(purpose, basis.reason());
        }
        if (policy.mayUse(consent, purpose, PRECISE_LOCATION)) {
            return profile;
        }
        Profile.Builder shaped = profile.toBuilder();
        Value location = profile.getAttributesMap().get("location");
        if (location != null && location.hasStructValue()) {
            shaped.putAttributes("location", Value.newBuilder().setStructValue(coarse(location.getStructValue())).build());
        }
        if (profile.hasTraits() && profile.getTraits().hasLastLocation()) {
            GeoPoint point = profile.getTraits().getLastLocation();
            shaped.getTraitsBuilder().setLastLocation(point.toBuilder().setLatitude(round(point.getLatitude()))
                    .setLongitude(round(point.getLongitude())).setAccuracyM(Math.max(point.getAccuracyM(), COARSE_ACCURACY_M)));
        }
        return shaped.build();
    }

    private static Struct coarse(Struct location) {
        Struct.Builder coarse = Struct.newBuilder();
        for (String axis : new String[] { "latitude", "longitude" }) {
            Value value = location.getFieldsMap().get(axis);
            if (value != null && value.hasNumberValue()) {
                coarse.putFields(axis, Value.newBuilder().setNumberValue(round(value.getNumberValue())).build());
            }
        }
        Value accuracy = location.getFieldsMap().get("accuracy_m");
        double metres = accuracy != null && accuracy.hasNumberValue() ? accuracy.getNumberValue() : 0;
        return coarse.putFields("accuracy_m", Value.newBuilder().setNumberValue(Math.max(metres, COARSE_ACCURACY_M)).build()).build();
    }

    private static double round(double degrees) {
        return Math.round(degrees * 10) / 10.0;
    }

    private static LocalDate birthDate(Profile profile) {
        Value value = profile.getAttributesMap().get("birth_date");
        if (value == null || !value.hasStringValue()) {
            return null;
        }
        try {
            return LocalDate.parse(value.getStringValue());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
