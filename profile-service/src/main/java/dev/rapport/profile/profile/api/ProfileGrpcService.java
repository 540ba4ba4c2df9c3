package dev.rapport.profile.profile.api;

import java.util.Optional;
import java.util.UUID;

import dev.rapport.profile.attribute.AttributeDefinitions;
import dev.rapport.profile.attribute.AttributeUpdater;
import dev.rapport.profile.event.EventRecorder;
import dev.rapport.profile.identity.Identifiers;
import dev.rapport.profile.identity.ProfileMerger;
import dev.rapport.profile.privacy.ProfileEraser;
import dev.rapport.profile.privacy.ProfileExporter;
import dev.rapport.profile.profile.PageToken;
import dev.rapport.profile.profile.ProfileRepository;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.CreateAttributeDefinitionRequest;
import dev.rapport.proto.profile.v1.EraseProfileRequest;
import dev.rapport.proto.profile.v1.EraseProfileResponse;
import dev.rapport.proto.profile.v1.ExportProfileRequest;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.IdentifyRequest;
import dev.rapport.proto.profile.v1.IdentifyResponse;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsResponse;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.ListTimelineRequest;
import dev.rapport.proto.profile.v1.ListTimelineResponse;
import dev.rapport.proto.profile.v1.TimelineEntry;
import dev.rapport.profile.timeline.TimelineRepository;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.proto.profile.v1.ListProfileVersionsRequest;
import dev.rapport.proto.profile.v1.ListProfileVersionsResponse;
import dev.rapport.proto.profile.v1.MergeProfilesRequest;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileExportPart;
import dev.rapport.proto.profile.v1.ProfileMerge;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.profile.v1.ProfileVersion;
import dev.rapport.proto.profile.v1.RecordEventBatchRequest;
import dev.rapport.proto.profile.v1.RecordEventBatchResponse;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.NotFound;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of profile-service (rapport.profile.v1.ProfileService): validate, call one service, map. */
@GrpcService
public class ProfileGrpcService implements ProfileService {
    private final EventRecorder recorder;
    private final ProfileRepository profiles;
    private final AttributeUpdater updater;
    private final AttributeDefinitions definitions;
    private final ProfileMerger merger;
    private final ProfileExporter exporter;
    private final ProfileEraser eraser;
    private final TimelineRepository timeline;

    ProfileGrpcService(EventRecorder recorder, ProfileRepository profiles, AttributeUpdater updater, AttributeDefinitions definitions,
            ProfileMerger merger, ProfileExporter exporter, ProfileEraser eraser, TimelineRepository timeline) {
        this.recorder = recorder;
        this.profiles = profiles;
        this.updater = updater;
        this.definitions = definitions;
        this.merger = merger;
        this.exporter = exporter;
        this.eraser = eraser;
        this.timeline = timeline;
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
    public Uni<RecordEventBatchResponse> recordEventBatch(RecordEventBatchRequest request) {
        return Uni.createFrom().deferred(() -> recorder.recordBatch(request.getRequestsList()));
    }

    @Override
    public Multi<RecordEventResponse> recordEventStream(Multi<RecordEventRequest> requests) {
        return recorder.recordEach(requests);
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
        Identifiers.check("identifier", request.getIdentifier());
        return profiles.find(request.getIdentifier());
    }

    @Override
    public Uni<ListEventsResponse> listEvents(ListEventsRequest request) {
        return Uni.createFrom().deferred(() -> recorder.list(request.getProfileId(), request.getPageSize(), request.getPageToken()));
    }

    @Override
    public Uni<ListTimelineResponse> listTimeline(ListTimelineRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID id = Ids.profile("profile_id", request.getProfileId());
            int size = PageToken.size(request.getPageSize());
            PageToken cursor = PageToken.decode(request.getPageToken());
            return timeline.page(id, cursor.time(), cursor.id(), size + 1).map(found -> {
                var page = found.size() > size ? found.subList(0, size) : found;
                ListTimelineResponse.Builder response = ListTimelineResponse.newBuilder().addAllEntries(page);
                if (found.size() > size) {
                    TimelineEntry last = page.get(page.size() - 1);
                    response.setNextPageToken(PageToken.encode(Envelopes.instant(last.getTime()), last.getId()));
                }
                return response.build();
            });
        });
    }

    @Override
    public Uni<Profile> updateAttributes(UpdateAttributesRequest request) {
        return Uni.createFrom().deferred(() -> updater.update(request))
                .flatMap(profiles::find).map(found -> found.orElseThrow(() -> new NotFound("profile")));
    }

    @Override
    public Uni<AttributeDefinition> createAttributeDefinition(CreateAttributeDefinitionRequest request) {
        return Uni.createFrom().deferred(() -> definitions.create(request.getDefinition()));
    }

    @Override
    public Uni<ListAttributeDefinitionsResponse> listAttributeDefinitions(ListAttributeDefinitionsRequest request) {
        return definitions.all().map(all -> ListAttributeDefinitionsResponse.newBuilder().addAllDefinitions(all).build());
    }

    @Override
    public Uni<ListProfileVersionsResponse> listProfileVersions(ListProfileVersionsRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID id = Ids.profile("profile_id", request.getProfileId());
            int size = PageToken.size(request.getPageSize());
            long before = PageToken.decodeVersion(request.getPageToken());
            return profiles.versions(id, before, size + 1).map(found -> {
                var page = found.size() > size ? found.subList(0, size) : found;
                ListProfileVersionsResponse.Builder response = ListProfileVersionsResponse.newBuilder().addAllVersions(page);
                if (found.size() > size) {
                    response.setNextPageToken(PageToken.encodeVersion(page.get(page.size() - 1).getVersion()));
                }
                return response.build();
            });
        });
    }

    @Override
    public Uni<IdentifyResponse> identify(IdentifyRequest request) {
        return Uni.createFrom().deferred(() -> merger.identify(request));
    }

    @Override
    public Uni<ProfileMerge> mergeProfiles(MergeProfilesRequest request) {
        return Uni.createFrom().deferred(() -> merger.merge(request));
    }

    @Override
    public Multi<ProfileExportPart> exportProfile(ExportProfileRequest request) {
        return Multi.createFrom().deferred(() -> exporter.export(Ids.profile("profile_id", request.getProfileId())));
    }

    @Override
    public Uni<EraseProfileResponse> eraseProfile(EraseProfileRequest request) {
        return Uni.createFrom().deferred(() -> eraser.erase(Ids.profile("profile_id", request.getProfileId())))
                .map(erased -> EraseProfileResponse.newBuilder().setRecordsErased(erased).build());
    }
}
