package dev.rapport.segment.segment;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.segment.v1.SegmentMembershipChanged;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * Announces who entered and left segments on {@code segment.membership}, keyed by profile id. Called inside the
 * transaction that changes the membership and awaited: a change nobody heard of is not committed.
 */
@ApplicationScoped
public class MembershipAnnouncer {
    static final String SOURCE = "rapport/segment-service";
    static final String CHANGED = "dev.rapport.segment.membership.v1";

    /** A profile entered or left a segment (at a version) at a time. */
    public record Transition(UUID segmentId, long segmentVersion, UUID profileId, boolean entered, Instant time) {
    }

    private final MutinyEmitter<SegmentMembershipChanged> membership;

    MembershipAnnouncer(@Channel("segment-membership") MutinyEmitter<SegmentMembershipChanged> membership) {
        this.membership = membership;
    }

    public Uni<Void> announce(List<Transition> transitions) {
        if (transitions.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(transitions)
                .onItem().transformToUni(this::announce).merge(256)
                .collect().last().replaceWithVoid();
    }

    private Uni<Void> announce(Transition t) {
        // Names the change and the moment it was computed (a retried transaction computes, and announces, anew).
        String factId = t.segmentId() + "/v" + t.segmentVersion() + "/" + t.profileId() + "/" + (t.entered() ? "entered" : "exited")
                + "/" + (t.time().getEpochSecond() * 1_000_000 + t.time().getNano() / 1000);
        SegmentMembershipChanged message = SegmentMembershipChanged.newBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), SOURCE, CHANGED, t.profileId().toString(), factId))
                .setSegmentId(t.segmentId().toString()).setSegmentVersion(t.segmentVersion()).setProfileId(t.profileId().toString())
                .setTransition(t.entered() ? SegmentMembershipChanged.Transition.ENTERED : SegmentMembershipChanged.Transition.EXITED)
                .setTransitionTime(Envelopes.timestamp(t.time()))
                .build();
        return membership.sendMessage(Message.of(message)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(message.getProfileId()).build()));
    }
}
