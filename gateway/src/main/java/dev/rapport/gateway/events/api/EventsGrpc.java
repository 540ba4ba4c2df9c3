package dev.rapport.gateway.events.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.events.EventIntake;
import dev.rapport.proto.api.v1.Events;
import dev.rapport.proto.profile.v1.RecordEventBatchRequest;
import dev.rapport.proto.profile.v1.RecordEventBatchResponse;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.Events. */
@GrpcService
public class EventsGrpc implements Events {
    private final EventIntake intake;

    EventsGrpc(EventIntake intake) {
        this.intake = intake;
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<RecordEventResponse> recordEvent(RecordEventRequest request) {
        return intake.record(request);
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<RecordEventsResponse> recordEvents(Multi<RecordEventRequest> requests) {
        return intake.recordAll(requests);
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<RecordEventBatchResponse> recordEventBatch(RecordEventBatchRequest batch) {
        return intake.recordBatch(batch);
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Multi<RecordEventResponse> recordEventStream(Multi<RecordEventRequest> requests) {
        return intake.recordEach(requests);
    }
}
