package dev.rapport.runtime.db;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

/**
 * Messages a service keeps in its own tables as protobuf JSON (a campaign's journey, an event's properties), read
 * back. What the service wrote itself and cannot read is a defect, not a client's mistake: it fails as one.
 */
public final class StoredJson {
    private StoredJson() {
    }

    /** The stored JSON merged into {@code builder}, built; {@code what} names it in the failure ("a stored journey"). */
    @SuppressWarnings("unchecked")
    public static <M extends Message> M read(String json, Message.Builder builder, String what) {
        try {
            JsonFormat.parser().merge(json, builder);
            return (M) builder.build();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(what + " cannot be read", e);
        }
    }
}
