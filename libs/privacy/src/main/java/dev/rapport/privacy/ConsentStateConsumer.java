package dev.rapport.privacy;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;

/**
 * Feeds {@link ConsentView} from {@code privacy.consent} ({@code rapport.privacy.v1.ConsentState}, keyed by subject;
 * a tombstone erases). Each service generates its own stubs, so the message is read by field name.
 */
@ApplicationScoped
public class ConsentStateConsumer {
    private final ConsentView view;

    ConsentStateConsumer(ConsentView view) {
        this.view = view;
    }

    @Incoming("privacy-consent")
    public CompletionStage<Void> onConsent(Message<com.google.protobuf.Message> record) {
        com.google.protobuf.Message state = record.getPayload();
        if (state == null) {
            record.getMetadata(IncomingKafkaRecordMetadata.class)
                    .map(kafka -> (String) kafka.getKey())
                    .ifPresent(view::forget);
        } else {
            view.apply(subject(state), read(state));
        }
        return record.ack();
    }

    /** The subject a state is about. */
    public static String subject(com.google.protobuf.Message state) {
        return text(state, "subject");
    }

    /** A {@code ConsentState} as the view holds it. */
    public static ConsentView.SubjectConsent read(com.google.protobuf.Message state) {
        Descriptor d = state.getDescriptorForType();
        long version = (Long) state.getField(d.findFieldByName("version"));
        Map<ConsentView.PurposeKey, ConsentView.Decision> decisions = new HashMap<>();
        for (Object item : (List<?>) state.getField(d.findFieldByName("purposes"))) {
            com.google.protobuf.Message purpose = (com.google.protobuf.Message) item;
            decisions.put(new ConsentView.PurposeKey(text(purpose, "purpose"), text(purpose, "channel"), text(purpose, "data_category")),
                    new ConsentView.Decision((Boolean) purpose.getField(field(purpose, "granted")), time(purpose)));
        }
        return new ConsentView.SubjectConsent(version, text(state, "jurisdiction"), Map.copyOf(decisions));
    }

    private static Instant time(com.google.protobuf.Message purpose) {
        FieldDescriptor field = field(purpose, "decision_time");
        if (!purpose.hasField(field)) {
            return null;
        }
        com.google.protobuf.Message timestamp = (com.google.protobuf.Message) purpose.getField(field);
        return Instant.ofEpochSecond((Long) timestamp.getField(field(timestamp, "seconds")),
                (Integer) timestamp.getField(field(timestamp, "nanos")));
    }

    private static String text(com.google.protobuf.Message message, String name) {
        return (String) message.getField(field(message, name));
    }

    private static FieldDescriptor field(com.google.protobuf.Message message, String name) {
        return message.getDescriptorForType().findFieldByName(name);
    }
}
