package dev.rapport.profile.event.messaging;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.rapport.profile.event.EventRecorder;
import dev.rapport.proto.profile.v1.IngestEvent;
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
            event.setId(message.getEnvelope().getId()); // the envelope id makes a re-read record a duplicate
        }
        if (event.getSource().isEmpty()) {
            event.setSource("kafka:profile.ingest");
        }
        return Uni.createFrom().deferred(() -> recorder.record(message.getIdentifier(), event.build())).replaceWithVoid();
    }
}
