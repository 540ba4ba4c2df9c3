package dev.rapport.profile.event;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.profile.attribute.AttributeValidation;
import dev.rapport.profile.profile.PageToken;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.RecordEventBatchResponse;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Records what customers do: validates and completes the event, then hands it to the {@link EventBatcher}, which
 * finds (or creates) the profile, stores the event once and publishes it on {@code profile.events} before
 * answering, so that an acknowledged event is both durable and announced.
 */
@ApplicationScoped
public class EventRecorder {
    static final int STREAM_IN_FLIGHT = 2 * EventBatcher.MAX_BATCH;
    public static final int MAX_BATCH = 1000;
    private final EventRepository events;
    private final EventBatcher batcher;

    EventRecorder(EventRepository events, EventBatcher batcher) {
        this.events = events;
        this.batcher = batcher;
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
        if (!accepted.getContext().getLocale().isEmpty()) {
            accepted.getContextBuilder().setLocale(AttributeValidation.languageTag(accepted.getContext().getLocale()));
        }
        return batcher.submit(identifier, accepted.build());
    }

    /**
     * Records a stream of events with up to {@link #STREAM_IN_FLIGHT} in flight, so batches fill while earlier ones
     * commit, and answers once, with counts, when all are durable. Stops at the first invalid event, naming its index.
     */
    public Uni<RecordEventsResponse> recordAll(Multi<RecordEventRequest> requests) {
        return recordEach(requests)
                .collect().in(RecordEventsResponse::newBuilder, (tally, answer) -> {
                    if (answer.getDuplicate()) {
                        tally.setDuplicates(tally.getDuplicates() + 1);
                    } else {
                        tally.setRecorded(tally.getRecorded() + 1);
                    }
                })
                .map(RecordEventsResponse.Builder::build);
    }

    /** A batch: every event checked first (all or nothing on bad input), then recorded; answers in request order. */
    public Uni<RecordEventBatchResponse> recordBatch(List<RecordEventRequest> requests) {
        if (requests.isEmpty() || requests.size() > MAX_BATCH) {
            throw new InvalidInput("requests", "1 to " + MAX_BATCH + " events");
        }
        Instant now = Instant.now();
        List<InvalidInput.Violation> violations = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            try {
                EventValidation.check(requests.get(i).getIdentifier(), requests.get(i).getEvent(), now);
            } catch (InvalidInput invalid) {
                violations.addAll(invalid.within("requests[" + i + "]").violations());
            }
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        return Uni.join().all(requests.stream().map(request -> record(request.getIdentifier(), request.getEvent())).toList())
                .andFailFast()
                .map(answers -> RecordEventBatchResponse.newBuilder().addAllResults(answers).build());
    }

    /** The same, answering each event as soon as it is durable. */
    public Multi<RecordEventResponse> recordEach(Multi<RecordEventRequest> requests) {
        AtomicLong index = new AtomicLong();
        return requests
                .onItem().transformToUni(request -> {
                    long at = index.getAndIncrement();
                    return Uni.createFrom().deferred(() -> record(request.getIdentifier(), request.getEvent()))
                            .onFailure(InvalidInput.class).transform(e -> ((InvalidInput) e).within("requests[" + at + "]"));
                })
                .merge(STREAM_IN_FLIGHT);
    }

    public Uni<ListEventsResponse> list(String profileId, int pageSize, String pageToken) {
        UUID id = Ids.profile("profile_id", profileId);
        int size = PageToken.size(pageSize);
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
}
