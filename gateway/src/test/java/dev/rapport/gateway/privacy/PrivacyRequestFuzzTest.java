package dev.rapport.gateway.privacy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.privacy.v1.OpenPrivacyRequestRequest;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.rest.ProtoJson;

/**
 * Any data-subject request a customer or a privacy officer can open (gRPC fields, or a REST body through the same
 * parser): accepted, or refused naming its fields before anything is written or any service is asked; never another
 * exception.
 */
@Tag("fuzz")
class PrivacyRequestFuzzTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final List<String> JURISDICTIONS = List.of("", "DE", "US-CA", "KR", "GB", "XX");

    @FuzzTest(maxDuration = "15s")
    void anyRequestIsOpenedOrRefusedByField(FuzzedDataProvider data) throws Exception {
        OpenPrivacyRequestRequest.Builder request = OpenPrivacyRequestRequest.newBuilder()
                .setKindValue(data.consumeInt(-1, 10)) // any number the wire may carry
                .setSubject(data.consumeBoolean() ? "0b5e1c8a-6f0e-4c47-9a36-7d1f2b3c4d5e" : data.consumeString(60))
                .setVerification(data.consumeString(600))
                .setJurisdiction(data.consumeBoolean() ? data.pickValue(JURISDICTIONS) : data.consumeString(12))
                .setRequestId(data.consumeString(600));
        if (data.consumeBoolean()) {
            request.setReceivedTime(Timestamp.newBuilder().setSeconds(data.consumeLong()).setNanos(data.consumeInt()));
        }
        boolean staff = data.consumeBoolean();
        PrivacyRequests.problems(request.build(), staff, NOW); // the problems, named by field: nothing thrown
        // (a time out of the Timestamp range has no JSON form: the REST caller sends text, tried below)
        boolean printable = com.google.protobuf.util.Timestamps.isValid(request.getReceivedTime());
        String json = printable && data.consumeBoolean() ? JsonFormat.printer().print(request) : data.consumeRemainingAsString();
        try {
            OpenPrivacyRequestRequest parsed = (OpenPrivacyRequestRequest) new ProtoJson().readFrom(cast(OpenPrivacyRequestRequest.class),
                    OpenPrivacyRequestRequest.class, new java.lang.annotation.Annotation[0], null, null,
                    new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
            InvalidInput.body(parsed, "an OpenPrivacyRequestRequest");
            PrivacyRequests.problems(parsed, staff, NOW);
        } catch (InvalidInput refused) {
            // a 400 naming the body or its fields
        }
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static Class<com.google.protobuf.Message> cast(Class<?> type) {
        return (Class) type;
    }
}
