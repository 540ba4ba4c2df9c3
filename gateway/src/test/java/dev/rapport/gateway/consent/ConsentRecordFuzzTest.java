package dev.rapport.gateway.consent;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.rest.ProtoJson;

/**
 * Any consent decision a caller can send (gRPC fields, or a REST body through the same parser): accepted, or refused
 * naming its fields before anything is written; never another exception. Known values are mixed with any text so the
 * fuzzer reaches past the first refusal.
 */
@Tag("fuzz")
class ConsentRecordFuzzTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final List<String> PURPOSES = List.of("", "marketing.communications", "personalize", "analytics", "essential.service",
            "third_party_sharing", "marketing.advertising.third_party");
    private static final List<String> CATEGORIES = List.of("", "user.location.precise", "user.contact.email", "user");
    private static final List<String> JURISDICTIONS = List.of("", "DE", "US-CA", "KR", "GB", "XX");

    @FuzzTest(maxDuration = "15s")
    void anyDecisionIsRecordedOrRefusedByField(FuzzedDataProvider data) throws Exception {
        RecordConsentRequest.Builder request = RecordConsentRequest.newBuilder()
                .setSubject(data.consumeBoolean() ? "0b5e1c8a-6f0e-4c47-9a36-7d1f2b3c4d5e" : data.consumeString(60))
                .setPurpose(data.consumeBoolean() ? data.pickValue(PURPOSES) : data.consumeString(80))
                .setDataCategory(data.consumeBoolean() ? data.pickValue(CATEGORIES) : data.consumeString(80))
                .setChannel(data.consumeBoolean() ? data.pickValue(ConsentLedger.CHANNELS.stream().sorted().toList()) : data.consumeString(20))
                .setMethod(data.consumeBoolean() ? data.pickValue(ConsentLedger.METHODS.stream().sorted().toList()) : data.consumeString(20))
                .setGranted(data.consumeBoolean())
                .setNoticeVersion(data.consumeString(600))
                .setJurisdiction(data.consumeBoolean() ? data.pickValue(JURISDICTIONS) : data.consumeString(12))
                .setRequestId(data.consumeString(600));
        if (data.consumeBoolean()) {
            request.setDecisionTime(Timestamp.newBuilder().setSeconds(data.consumeLong()).setNanos(data.consumeInt()));
        }
        try {
            ConsentLedger.validate(request.build(), NOW);
        } catch (InvalidInput refused) {
            // refused, naming each field
        }
        // the same decision as a REST body, and whatever bytes follow it, through the REST parser
        // (a time out of the Timestamp range has no JSON form: the REST caller sends text, tried below)
        boolean printable = com.google.protobuf.util.Timestamps.isValid(request.getDecisionTime());
        String json = printable && data.consumeBoolean() ? JsonFormat.printer().print(request) : data.consumeRemainingAsString();
        try {
            RecordConsentRequest parsed = (RecordConsentRequest) new ProtoJson().readFrom(cast(RecordConsentRequest.class), RecordConsentRequest.class,
                    new java.lang.annotation.Annotation[0], null, null, new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
            InvalidInput.body(parsed, "a RecordConsentRequest");
            ConsentLedger.validate(parsed, NOW);
        } catch (InvalidInput refused) {
            // a 400 naming the body or its fields
        }
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static Class<com.google.protobuf.Message> cast(Class<?> type) {
        return (Class) type;
    }
}
