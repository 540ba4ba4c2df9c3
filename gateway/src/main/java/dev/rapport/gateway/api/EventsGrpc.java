package dev.rapport.gateway.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.caller.Caller;
import dev.rapport.proto.api.v1.Events;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.grpc.GrpcService;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Public rapport.api.v1.Events: partner apps record what their customers do. */
@GrpcService
public class EventsGrpc implements Events {
    @GrpcClient("profile")
    ProfileService profiles;

    private final Audited audited;
    private final SecurityIdentity identity;

    EventsGrpc(Audited audited, SecurityIdentity identity) {
        this.audited = audited;
        this.identity = identity;
    }

    @Override
    @RolesAllowed({ "partner", "admin" })
    public Uni<RecordEventResponse> recordEvent(RecordEventRequest request) {
        // The source is who the token says called, never what the request claims.
        RecordEventRequest stamped = request.toBuilder()
                .setEvent(request.getEvent().toBuilder().setSource(Caller.of(identity).id()))
                .build();
        return audited.run("events.record", Purposes.ESSENTIAL_SERVICE, null, () -> profiles.recordEvent(stamped));
    }
}
