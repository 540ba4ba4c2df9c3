package dev.rapport.gateway.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.proto.api.v1.Events;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public rapport.api.v1.Events: partner apps record what their customers do. */
@GrpcService
public class EventsGrpc implements Events {
    @GrpcClient("profile")
    ProfileService profiles;

    private final Audited audited;

    EventsGrpc(Audited audited) {
        this.audited = audited;
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<RecordEventResponse> recordEvent(RecordEventRequest request) {
        // The source is who the token says called, never what the request claims.
        return audited.run("events.record", Purposes.ESSENTIAL_SERVICE, null, caller -> profiles.recordEvent(request.toBuilder()
                .setEvent(request.getEvent().toBuilder().setSource(caller.id()))
                .build()));
    }
}
