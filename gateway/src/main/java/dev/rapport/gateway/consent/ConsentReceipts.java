package dev.rapport.gateway.consent;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.gateway.config.PrivacyConfig;
import dev.rapport.proto.privacy.v1.ConsentRecord;

/**
 * A ledger record as a consent receipt with the fields of the Kantara Initiative's Consent Receipt Specification
 * v1.1; Rapport's own details (the decision, channel, notice version) sit under {@code "rapport"}.
 */
@ApplicationScoped
public class ConsentReceipts {
    private final PrivacyConfig config;

    ConsentReceipts(PrivacyConfig config) {
        this.config = config;
    }

    public Struct receipt(ConsentRecord record) {
        PrivacyConfig.Controller controller = config.controller();
        Struct controllerEntry = struct(
                "piiController", text(controller.name()),
                "contact", text(controller.contact()),
                "address", text(controller.address()),
                "email", text(controller.email()),
                "phone", text(controller.phone()),
                "piiControllerUrl", text(controller.url()));
        String purpose = record.getPurpose().isEmpty() ? "use of " + record.getDataCategory() : record.getPurpose();
        Struct purposeEntry = struct(
                "purpose", text(purpose),
                "purposeCategory", list(text(purpose)),
                "consentType", text(record.getMethod().equals("gpc") ? "IMPLICIT" : "EXPLICIT"),
                "piiCategory", list(text(record.getDataCategory().isEmpty() ? "user" : record.getDataCategory())),
                "primaryPurpose", Value.newBuilder().setBoolValue(true).build(),
                "termination", text("until withdrawn"),
                "thirdPartyDisclosure", Value.newBuilder().setBoolValue(purpose.startsWith("third_party_sharing")
                        || purpose.startsWith("marketing.advertising.third_party")).build());
        return Struct.newBuilder()
                .putFields("version", text("KI-CR-v1.1.0"))
                .putFields("jurisdiction", text(record.getJurisdiction()))
                .putFields("consentTimestamp", Value.newBuilder().setNumberValue(record.getDecisionTime().getSeconds()).build())
                .putFields("collectionMethod", text(record.getMethod()))
                .putFields("consentReceiptID", text(record.getId()))
                .putFields("language", text("en"))
                .putFields("piiPrincipalId", text(record.getSubject()))
                .putFields("piiControllers", list(Value.newBuilder().setStructValue(controllerEntry).build()))
                .putFields("policyUrl", text(config.policyUrl()))
                .putFields("services", list(Value.newBuilder().setStructValue(struct(
                        "service", text("Rapport"),
                        "purposes", list(Value.newBuilder().setStructValue(purposeEntry).build()))).build()))
                .putFields("sensitive", Value.newBuilder().setBoolValue(record.getDataCategory().startsWith("user.location.precise")).build())
                .putFields("spiCat", Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(
                        record.getDataCategory().startsWith("user.location.precise") ? List.of(text("precise geolocation")) : List.of())).build())
                .putFields("rapport", Value.newBuilder().setStructValue(struct(
                        "granted", Value.newBuilder().setBoolValue(record.getGranted()).build(),
                        "channel", text(record.getChannel()),
                        "noticeVersion", text(record.getNoticeVersion()),
                        "recordedBy", text(record.getRecordedBy()))).build())
                .build();
    }

    private static Value text(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }

    private static Value list(Value... values) {
        return Value.newBuilder().setListValue(ListValue.newBuilder().addAllValues(List.of(values))).build();
    }

    private static Struct struct(Object... pairs) {
        Struct.Builder struct = Struct.newBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            struct.putFields((String) pairs[i], (Value) pairs[i + 1]);
        }
        return struct.build();
    }
}
