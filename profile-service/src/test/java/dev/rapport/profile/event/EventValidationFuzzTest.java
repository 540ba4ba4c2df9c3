package dev.rapport.profile.event;

import java.time.Instant;

import org.junit.jupiter.api.Tag;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.EventContext;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.runtime.error.InvalidInput;

/**
 * Any event a partner app can send over gRPC (any identifier, id, name, time — year 99999 or the end of int64 —,
 * source, context and JSON properties): accepted, or refused naming its fields; never another exception.
 */
@Tag("fuzz")
class EventValidationFuzzTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

    @FuzzTest(maxDuration = "15s")
    void anyEventIsAcceptedOrRefusedByField(FuzzedDataProvider data) {
        Identifier identifier = Identifier.newBuilder().setTypeValue(data.consumeInt(-1, 12)) // any number the wire may carry
                .setValue(data.consumeString(300)).build();
        Event.Builder event = Event.newBuilder().setId(data.consumeString(200)).setName(data.consumeString(100))
                .setSource(data.consumeString(200));
        if (data.consumeBoolean()) {
            event.setOccurTime(Timestamp.newBuilder().setSeconds(data.consumeLong()).setNanos(data.consumeInt()));
        }
        if (data.consumeBoolean()) {
            event.setContext(EventContext.newBuilder().setPlatform(data.consumeString(50)).setAppVersion(data.consumeString(50))
                    .setLocale(data.consumeString(50)).setDeviceModel(data.consumeString(50)));
        }
        Struct.Builder properties = Struct.newBuilder();
        try {
            JsonFormat.parser().merge(data.consumeRemainingAsString(), properties);
        } catch (InvalidProtocolBufferException | RuntimeException notAnObject) {
            properties.clear(); // a partner app sends properties as a Struct: any it can build is tried with the other fields
        }
        event.setProperties(properties);
        try {
            EventValidation.check(identifier, event.build(), NOW);
        } catch (InvalidInput refused) {
            // refused, naming each field
        }
    }
}
