package dev.rapport.runtime.event;

import java.time.Instant;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;

import dev.rapport.runtime.trace.Traces;

/**
 * Fills the CloudEvents-style envelope ({@code rapport.common.v1.Envelope}) of a Kafka message. Each service
 * generates its own stubs from the proto jar, so this library sets the envelope's fields by name.
 */
public final class Envelopes {
    private Envelopes() {
    }

    /**
     * @param envelope an empty {@code Envelope.newBuilder()}
     * @param source   the publishing service, e.g. "rapport/profile-service"
     * @param type     the fact, e.g. "dev.rapport.profile.event.recorded.v1"
     * @param subject  the profile id the fact is about
     * @param id       a stable id for the fact, so that a re-publication is recognised as the same fact
     */
    @SuppressWarnings("unchecked")
    public static <E extends Message> E fill(Message.Builder envelope, String source, String type, String subject, String id) {
        Descriptor d = envelope.getDescriptorForType();
        envelope.setField(d.findFieldByName("id"), id)
                .setField(d.findFieldByName("source"), source)
                .setField(d.findFieldByName("type"), type)
                .setField(d.findFieldByName("time"), timestamp(Instant.now()))
                .setField(d.findFieldByName("subject"), subject);
        String traceparent = Traces.current();
        if (traceparent != null) {
            envelope.setField(d.findFieldByName("traceparent"), traceparent);
        }
        return (E) envelope.build();
    }

    public static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    public static Instant instant(Timestamp timestamp) {
        return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
    }
}
