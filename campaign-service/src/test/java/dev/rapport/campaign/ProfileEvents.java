package dev.rapport.campaign;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.ProducerRecord;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.runtime.kafka.Topics;
import dev.rapport.testing.TestTopics;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;

/** Stored events as profile-service announces them on profile.events, keyed by their person, for this module's tests. */
public final class ProfileEvents {
    private ProfileEvents() {
    }

    public static ProducerRecord<String, String> recorded(UUID person, String id, String name, Instant when, Map<String, Object> properties)
            throws InvalidProtocolBufferException {
        Struct.Builder props = Struct.newBuilder();
        properties.forEach((k, v) -> props.putFields(k, v instanceof Number n ? Value.newBuilder().setNumberValue(n.doubleValue()).build()
                : Value.newBuilder().setStringValue(v.toString()).build()));
        return KafkaCompanion.record(TestTopics.of(Topics.PROFILE_EVENTS), person.toString(), JsonFormat.printer().print(ProfileEventRecorded.newBuilder()
                .setEvent(Event.newBuilder().setId(id).setProfileId(person.toString()).setName(name).setOccurTime(Envelopes.timestamp(when))
                        .setProperties(props)).build()));
    }
}
