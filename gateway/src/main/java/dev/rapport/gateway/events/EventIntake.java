package dev.rapport.gateway.events;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.gateway.caller.Caller;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.profile.v1.RecordEventBatchRequest;
import dev.rapport.proto.profile.v1.RecordEventBatchResponse;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Events partner apps record, over gRPC or REST: stamped with who called, passed to profile-service, audited. */
@ApplicationScoped
public class EventIntake {
    private final ProfileService profiles;
    private final Audited audited;

    EventIntake(@GrpcClient("profile") ProfileService profiles, Audited audited) {
        this.profiles = profiles;
        this.audited = audited;
    }

    public Uni<RecordEventResponse> record(RecordEventRequest request) {
        return audited.run("events.record", Purposes.ESSENTIAL_SERVICE, null,
                caller -> profiles.recordEvent(stampedBy(caller, request)));
    }

    /** A stream is audited once, as one operation: its events are about many people. */
    public Uni<RecordEventsResponse> recordAll(Multi<RecordEventRequest> requests) {
        return audited.run("events.record.stream", Purposes.ESSENTIAL_SERVICE, null,
                caller -> profiles.recordEvents(requests.map(request -> stampedBy(caller, request))));
    }

    /** A batch, all or nothing on bad input; audited once, as one operation. */
    public Uni<RecordEventBatchResponse> recordBatch(RecordEventBatchRequest batch) {
        return audited.run("events.record.batch", Purposes.ESSENTIAL_SERVICE, null, caller -> profiles.recordEventBatch(
                RecordEventBatchRequest.newBuilder().addAllRequests(batch.getRequestsList().stream().map(r -> stampedBy(caller, r)).toList()).build()));
    }

    /** The same, acknowledging each event as soon as it is durable; audited once, as one operation. */
    public Multi<RecordEventResponse> recordEach(Multi<RecordEventRequest> requests) {
        return audited.stream("events.record.stream", Purposes.ESSENTIAL_SERVICE,
                caller -> profiles.recordEventStream(requests.map(request -> stampedBy(caller, request))));
    }

    /** The source is who the token says called, never what the request claims. */
    private static RecordEventRequest stampedBy(Caller caller, RecordEventRequest request) {
        return request.toBuilder().setEvent(request.getEvent().toBuilder().setSource(caller.id())).build();
    }
}
