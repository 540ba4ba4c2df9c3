package dev.rapport.profile.event.api;

import java.util.Optional;

import dev.rapport.profile.event.EventRecorder;
import dev.rapport.runtime.Ids;
import dev.rapport.profile.profile.ProfileRepository;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.NotFound;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of profile-service (rapport.profile.v1.ProfileService). */
@GrpcService
public class ProfileGrpcService implements ProfileService {
    private final EventRecorder recorder;
    private final ProfileRepository profiles;

    ProfileGrpcService(EventRecorder recorder, ProfileRepository profiles) {
        this.recorder = recorder;
        this.profiles = profiles;
    }

    @Override
    public Uni<RecordEventResponse> recordEvent(RecordEventRequest request) {
        return Uni.createFrom().deferred(() -> recorder.record(request.getIdentifier(), request.getEvent()));
    }

    @Override
    public Uni<RecordEventsResponse> recordEvents(Multi<RecordEventRequest> requests) {
        return recorder.recordAll(requests);
    }

    @Override
    public Uni<Profile> getProfile(GetProfileRequest request) {
        return Uni.createFrom().deferred(() -> lookup(request)).map(found -> found.orElseThrow(() -> new NotFound("profile")));
    }

    private Uni<Optional<Profile>> lookup(GetProfileRequest request) {
        boolean byId = !request.getProfileId().isEmpty();
        if (byId == request.hasIdentifier()) {
            throw new InvalidInput("profile_id", "set either profile_id or identifier");
        }
        if (byId) {
            return profiles.find(Ids.profile("profile_id", request.getProfileId()));
        }
        Identifier identifier = request.getIdentifier();
        if (identifier.getType() == Identifier.Type.TYPE_UNSPECIFIED || identifier.getType() == Identifier.Type.UNRECOGNIZED
                || identifier.getValue().isEmpty()) {
            throw new InvalidInput("identifier", "a type and a value");
        }
        return profiles.find(identifier);
    }

    @Override
    public Uni<ListEventsResponse> listEvents(ListEventsRequest request) {
        return Uni.createFrom().deferred(() -> recorder.list(request.getProfileId(), request.getPageSize(), request.getPageToken()));
    }
}
