package dev.rapport.gateway.consent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.privacy.ConsentView;
import dev.rapport.privacy.ConsentView.Decision;
import dev.rapport.privacy.ConsentView.PurposeKey;
import dev.rapport.proto.profile.v1.GeoPoint;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.Traits;
import dev.rapport.runtime.error.NoLawfulBasis;

/** What a purpose sees of a profile: precise location only with its consent, and nothing of a minor without opt-in. */
class ProfileShapingTest {
    private static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");
    private final ConsentView view = new ConsentView();
    private final PurposeEnforcement enforcement = new PurposeEnforcement(view, ConsentPolicy.standard(), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void preciseLocationWithoutItsConsentComesBackCoarsened() {
        view.apply("p1", new ConsentView.SubjectConsent(1, "DE", Map.of(PurposeKey.purpose("personalize", ""), new Decision(true, NOW))));
        Profile shaped = enforcement.shape(profile("p1", null), "personalize");
        Struct location = shaped.getAttributesOrThrow("location").getStructValue();
        assertEquals(41.4, location.getFieldsOrThrow("latitude").getNumberValue());
        assertEquals(2.2, location.getFieldsOrThrow("longitude").getNumberValue());
        assertEquals(11_000, location.getFieldsOrThrow("accuracy_m").getNumberValue());
        assertEquals(41.4, shaped.getTraits().getLastLocation().getLatitude());
        assertEquals("Ada", shaped.getAttributesOrThrow("first_name").getStringValue(), "other fields are untouched");
    }

    @Test
    void preciseLocationWithItsConsentOrForAnEssentialUseComesBackAsItIs() {
        view.apply("p1", new ConsentView.SubjectConsent(1, "DE", Map.of(PurposeKey.purpose("personalize", ""), new Decision(true, NOW),
                PurposeKey.category("user.location.precise"), new Decision(true, NOW))));
        assertEquals(profile("p1", null), enforcement.shape(profile("p1", null), "personalize"));
        assertEquals(profile("p2", null), enforcement.shape(profile("p2", null), "essential.service"));
    }

    @Test
    void aMinorInCaliforniaIsNotSharedWithoutOptInThoughAnAdultWouldBe() {
        view.apply("p1", new ConsentView.SubjectConsent(1, "US-CA", Map.of()));
        assertThrows(NoLawfulBasis.class, () -> enforcement.shape(profile("p1", "2012-05-01"), "third_party_sharing"));
        enforcement.shape(profile("p1", "1990-05-01"), "third_party_sharing");
    }

    private static Profile profile(String id, String birthDate) {
        Profile.Builder profile = Profile.newBuilder().setId(id)
                .putAttributes("first_name", Value.newBuilder().setStringValue("Ada").build())
                .putAttributes("location", Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("latitude", Value.newBuilder().setNumberValue(41.38879).build())
                        .putFields("longitude", Value.newBuilder().setNumberValue(2.15899).build())
                        .putFields("accuracy_m", Value.newBuilder().setNumberValue(12).build())).build())
                .setTraits(Traits.newBuilder().setLastLocation(GeoPoint.newBuilder().setLatitude(41.38879).setLongitude(2.15899).setAccuracyM(12)));
        if (birthDate != null) {
            profile.putAttributes("birth_date", Value.newBuilder().setStringValue(birthDate).build());
        }
        return profile.build();
    }
}
