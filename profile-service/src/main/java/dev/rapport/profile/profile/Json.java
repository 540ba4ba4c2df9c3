package dev.rapport.profile.profile;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

/** Protobuf messages to and from the JSON kept in jsonb columns. */
public final class Json {
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private Json() {
    }

    public static String print(Message message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static <B extends Message.Builder> B parse(String json, B into) {
        try {
            PARSER.merge(json, into);
            return into;
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("stored JSON does not fit " + into.getDescriptorForType().getName(), e);
        }
    }

    public static Value value(String json) {
        return parse(json, Value.newBuilder()).build();
    }
}
