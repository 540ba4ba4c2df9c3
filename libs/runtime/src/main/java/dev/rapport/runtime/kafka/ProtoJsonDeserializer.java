package dev.rapport.runtime.kafka;

import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/**
 * Reads protobuf JSON into the message class a channel names with {@code proto.message.type}. Unknown fields are
 * ignored so that a newer producer does not break an older consumer.
 */
public class ProtoJsonDeserializer implements Deserializer<Message> {
    public static final String MESSAGE_TYPE = "proto.message.type";
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private Message prototype;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object type = configs.get(MESSAGE_TYPE);
        if (type == null) {
            throw new IllegalArgumentException("a channel using " + getClass().getSimpleName() + " must set " + MESSAGE_TYPE);
        }
        try {
            Class<?> messageClass = Class.forName(type.toString(), true, Thread.currentThread().getContextClassLoader());
            Method defaultInstance = messageClass.getMethod("getDefaultInstance");
            prototype = (Message) defaultInstance.invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("not a protobuf message class: " + type, e);
        }
    }

    @Override
    public Message deserialize(String topic, byte[] data) {
        if (data == null) {
            return null; // a tombstone
        }
        Message.Builder builder = prototype.newBuilderForType();
        try {
            PARSER.merge(new String(data, StandardCharsets.UTF_8), builder);
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new SerializationException("not a valid " + prototype.getDescriptorForType().getFullName() + " on " + topic, e);
        }
        return builder.build();
    }
}
