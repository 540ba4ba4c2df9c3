package dev.rapport.profile.event.messaging;

import dev.rapport.runtime.db.DatabaseOutages;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.rapport.profile.event.EventRecorder;
import dev.rapport.proto.profile.v1.IngestEvent;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/**
 * Events partner apps send straight to {@code profile.ingest}: stored exactly as if recorded over gRPC. A record
 * read twice is stored once (the event id). One that fails validation goes to the dead-letter topic.
 */
@ApplicationScoped
public class IngestConsumer {
    private final EventRecorder recorder;

    IngestConsumer(EventRecorder recorder) {
        this.recorder = recorder;
    }

    @Incoming("profile-ingest")
    public Uni<Void> ingest(IngestEvent message) {
        var event = message.getEvent().toBuilder();
        if (event.getId().isEmpty()) {
            // The envelope id makes a re-read record a duplicate; derived (stable) when it is not a valid event id.
            String envelopeId = message.getEnvelope().getId();
            if (envelopeId.isEmpty()) {
                throw new InvalidInput("event.id", "required when the envelope has no id: without one a re-read record would be stored twice");
            }
            event.setId(envelopeId.matches("[A-Za-z0-9_.:-]{1,128}") ? envelopeId
                    : UUID.nameUUIDFromBytes(envelopeId.getBytes(StandardCharsets.UTF_8)).toString());
        }
        if (event.getSource().isEmpty()) {
            event.setSource("kafka:profile.ingest");
        }
        return DatabaseOutages.waitedOut("storing an ingested event", () -> recorder.record(message.getIdentifier(), event.build())).replaceWithVoid();
    }
}
