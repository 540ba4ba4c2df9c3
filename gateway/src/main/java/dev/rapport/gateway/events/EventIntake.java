package dev.rapport.gateway.events;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import io.quarkus.grpc.GrpcClient;
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
        // The source is who the token says called, never what the request claims.
        return audited.run("events.record", Purposes.ESSENTIAL_SERVICE, null, caller -> profiles.recordEvent(request.toBuilder()
                .setEvent(request.getEvent().toBuilder().setSource(caller.id()))
                .build()));
    }
}
