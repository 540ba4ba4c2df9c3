package dev.rapport.runtime.kafka;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/** Writes a protobuf message as JSON (protobuf JSON mapping), the format of every Rapport topic. */
public class ProtoJsonSerializer implements Serializer<Message> {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    @Override
    public byte[] serialize(String topic, Message message) {
        if (message == null) {
            return null; // a tombstone on a compacted topic
        }
        try {
            return PRINTER.print(message).getBytes(StandardCharsets.UTF_8);
        } catch (InvalidProtocolBufferException e) {
            throw new SerializationException("cannot write " + message.getDescriptorForType().getFullName(), e);
        }
    }
}
