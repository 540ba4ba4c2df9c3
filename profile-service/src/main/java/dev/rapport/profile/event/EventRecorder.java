package dev.rapport.profile.event;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.rapport.profile.profile.ProfileRepository;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Records what customers do: validates, finds (or creates) the profile, stores the event once and publishes it on
 * {@code profile.events} before answering, so that an acknowledged event is both durable and announced.
 */
@ApplicationScoped
public class EventRecorder {
    static final String SOURCE = "rapport/profile-service";
    static final String RECORDED = "dev.rapport.profile.event.recorded.v1";

    private final Pool pool;
    private final ProfileRepository profiles;
    private final EventRepository events;
    private final MutinyEmitter<ProfileEventRecorded> published;

    EventRecorder(Pool pool, ProfileRepository profiles, EventRepository events,
            @Channel("profile-events") MutinyEmitter<ProfileEventRecorded> published) {
        this.pool = pool;
        this.profiles = profiles;
        this.events = events;
        this.published = published;
    }

    public Uni<RecordEventResponse> record(Identifier identifier, Event event) {
        Instant now = Instant.now();
        EventValidation.check(identifier, event, now);
        Event.Builder accepted = event.toBuilder().setReceiveTime(Envelopes.timestamp(now));
        if (accepted.getId().isEmpty()) {
            accepted.setId(UUID.randomUUID().toString());
        }
        if (!accepted.hasOccurTime()) {
            accepted.setOccurTime(Envelopes.timestamp(now));
        }
        if (accepted.getSource().isEmpty()) {
            accepted.setSource("api");
        }
        // The Kafka acknowledgement is awaited inside the transaction: if it fails, nothing is stored and the
        // client retries; if the commit fails after it, the retry is recognised by the event id downstream.
        return pool.withTransaction(tx -> profiles.findOrCreate(tx, identifier)
                .flatMap(profileId -> {
                    Event stored = accepted.setProfileId(profileId.toString()).build();
                    return events.insertIfAbsent(tx, stored).flatMap(inserted -> inserted
                            ? publish(stored).replaceWith(response(stored, false))
                            : events.find(tx, stored.getId()).map(existing -> response(existing, true)));
                }));
    }

    public Uni<ListEventsResponse> list(String profileId, int pageSize, String pageToken) {
        UUID id = Ids.profile("profile_id", profileId);
        if (pageSize < 0 || pageSize > 1000) {
            throw new InvalidInput("page_size", "between 0 and 1000");
        }
        int size = pageSize == 0 ? 50 : pageSize;
        PageToken cursor = PageToken.decode(pageToken);
        return events.page(id, cursor.time(), cursor.id(), size + 1).map(found -> {
            List<Event> page = found.size() > size ? found.subList(0, size) : found;
            ListEventsResponse.Builder response = ListEventsResponse.newBuilder().addAllEvents(page);
            if (found.size() > size) {
                Event last = page.get(page.size() - 1);
                response.setNextPageToken(PageToken.encode(Envelopes.instant(last.getOccurTime()), last.getId()));
            }
            return response.build();
        });
    }

    private Uni<Void> publish(Event event) {
        ProfileEventRecorded message = ProfileEventRecorded.newBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), SOURCE, RECORDED, event.getProfileId(), event.getId()))
                .setEvent(event)
                .build();
        return published.sendMessage(Message.of(message)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(event.getProfileId()).build()));
    }

    private static RecordEventResponse response(Event event, boolean duplicate) {
        return RecordEventResponse.newBuilder()
                .setProfileId(event.getProfileId())
                .setEventId(event.getId())
                .setDuplicate(duplicate)
                .build();
    }
}
