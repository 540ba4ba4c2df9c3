package dev.rapport.profile.profile;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Announces a change of a profile on {@code profile.changes}, keyed by profile id. Called inside the transaction that
 * makes the change, and awaited: a change nobody heard of is not committed.
 */
@ApplicationScoped
public class ProfileChanges {
    static final String SOURCE = "rapport/profile-service";
    static final String CHANGED = "dev.rapport.profile.changed.v1";

    private final MutinyEmitter<ProfileChanged> changes;

    ProfileChanges(@Channel("profile-changes") MutinyEmitter<ProfileChanged> changes) {
        this.changes = changes;
    }

    /** @param change the message without its envelope; the envelope id names the profile and version (stable on retry) */
    public Uni<Void> publish(ProfileChanged.Builder change) {
        String factId = change.getProfileId() + "/v" + change.getVersion() + (change.getErased() ? "/erased" : "");
        ProfileChanged message = change
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), SOURCE, CHANGED, change.getProfileId(), factId))
                .build();
        return changes.sendMessage(Message.of(message)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(message.getProfileId()).build()));
    }
}
