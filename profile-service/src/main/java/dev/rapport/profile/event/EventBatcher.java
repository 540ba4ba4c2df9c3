package dev.rapport.profile.event;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import dev.rapport.runtime.db.LockConflicts;
import dev.rapport.profile.profile.ProfileRepository;
import dev.rapport.profile.trait.TraitRepository;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.runtime.GroupCommit;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Writes events in group commits ({@link GroupCommit}): one transaction, one multi-row insert, the traits of the
 * events stored (counted once each, in the same transaction) and one burst of Kafka sends per batch. One batch at a time keeps each profile's events in order on {@code profile.events}. Every caller
 * is answered only after its batch is committed and every new event in it acknowledged by Kafka.
 */
@ApplicationScoped
public class EventBatcher {
    static final int MAX_BATCH = 1000;
    static final String SOURCE = "rapport/profile-service";
    static final String RECORDED = "dev.rapport.profile.event.recorded.v1";

    private record Submitted(Identifier identifier, Event event) {
    }

    private final Pool pool;
    private final ProfileRepository profiles;
    private final EventRepository events;
    private final TraitRepository traits;
    private final MutinyEmitter<ProfileEventRecorded> published;
    private final GroupCommit<Submitted, RecordEventResponse> batches = new GroupCommit<>(MAX_BATCH, this::write);

    EventBatcher(Pool pool, ProfileRepository profiles, EventRepository events, TraitRepository traits,
            @Channel("profile-events") @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4 * MAX_BATCH)
            MutinyEmitter<ProfileEventRecorded> published) {
        this.pool = pool;
        this.profiles = profiles;
        this.events = events;
        this.traits = traits;
        this.published = published;
    }

    /** Stores (once) and publishes a validated event; the answer comes when that is durable. */
    Uni<RecordEventResponse> submit(Identifier identifier, Event event) {
        return batches.submit(new Submitted(identifier, event));
    }

    /** The answers, in the order of the batch. */
    private Uni<List<RecordEventResponse>> write(List<Submitted> batch) {
        // A merge or an erasure may hold identifiers this batch needs in another order: PostgreSQL then fails one of
        // the two transactions, and the batch is simply written again (its events are idempotent on their ids).
        return writeOnce(batch).onFailure(LockConflicts::isRetryable).retry().atMost(3);
    }

    private Uni<List<RecordEventResponse>> writeOnce(List<Submitted> batch) {
        return pool.withTransaction(tx -> profiles.findOrCreateAll(tx, batch.stream().map(Submitted::identifier).toList())
                .flatMap(profileIds -> {
                    // The first event with an id is the one stored; a later one in the same batch is its duplicate.
                    Map<String, Event> firsts = new LinkedHashMap<>();
                    for (Submitted pending : batch) {
                        firsts.putIfAbsent(pending.event().getId(), pending.event().toBuilder()
                                .setProfileId(profileIds.get(pending.identifier()).toString()).build());
                    }
                    List<Event> candidates = List.copyOf(firsts.values());
                    return events.insertAbsent(tx, candidates).flatMap(stored -> {
                        List<Event> fresh = candidates.stream().filter(e -> stored.contains(e.getId())).toList();
                        Uni<Void> counted = traits.add(tx, fresh);
                        List<String> known = candidates.stream().map(Event::getId).filter(id -> !stored.contains(id)).toList();
                        Uni<Map<String, String>> earlier = known.isEmpty() ? Uni.createFrom().item(Map.of()) : events.profilesOf(tx, known);
                        return counted.flatMap(x -> earlier).call(ignored -> publish(fresh)).map(earlierProfiles -> {
                            Map<String, Boolean> answeredAsNew = new HashMap<>();
                            List<RecordEventResponse> answers = new ArrayList<>(batch.size());
                            for (Submitted pending : batch) {
                                String id = pending.event().getId();
                                boolean isNew = stored.contains(id) && answeredAsNew.putIfAbsent(id, true) == null;
                                String profileId = earlierProfiles.getOrDefault(id, firsts.get(id).getProfileId());
                                answers.add(RecordEventResponse.newBuilder().setProfileId(profileId).setEventId(id)
                                        .setDuplicate(!isNew).build());
                            }
                            return answers;
                        });
                    });
                }));
    }

    /** Sends every new event and waits for every acknowledgement (inside the transaction: no ack, no commit). */
    private Uni<Void> publish(List<Event> fresh) {
        if (fresh.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> sends = new ArrayList<>(fresh.size());
        for (Event event : fresh) {
            ProfileEventRecorded message = ProfileEventRecorded.newBuilder()
                    .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), SOURCE, RECORDED, event.getProfileId(), event.getId()))
                    .setEvent(event)
                    .build();
            sends.add(published.sendMessage(Message.of(message)
                    .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.getProfileId()).build())));
        }
        return Uni.join().all(sends).andFailFast().replaceWithVoid();
    }
}
