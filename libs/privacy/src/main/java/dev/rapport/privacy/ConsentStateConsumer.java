package dev.rapport.privacy;

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
            Descriptor d = state.getDescriptorForType();
            String subject = (String) state.getField(d.findFieldByName("subject"));
            long version = (Long) state.getField(d.findFieldByName("version"));
            Map<ConsentView.PurposeKey, Boolean> decisions = new HashMap<>();
            for (Object item : (List<?>) state.getField(d.findFieldByName("purposes"))) {
                com.google.protobuf.Message purpose = (com.google.protobuf.Message) item;
                decisions.put(new ConsentView.PurposeKey(text(purpose, "purpose"), text(purpose, "channel")),
                        (Boolean) purpose.getField(field(purpose, "granted")));
            }
            view.apply(subject, new ConsentView.SubjectConsent(version, Map.copyOf(decisions)));
        }
        return record.ack();
    }

    private static String text(com.google.protobuf.Message message, String name) {
        return (String) message.getField(field(message, name));
    }

    private static FieldDescriptor field(com.google.protobuf.Message message, String name) {
        return message.getDescriptorForType().findFieldByName(name);
    }
}
