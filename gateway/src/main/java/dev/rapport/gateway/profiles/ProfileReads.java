package dev.rapport.gateway.profiles;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.consent.PurposeEnforcement;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.ListProfileVersionsRequest;
import dev.rapport.proto.profile.v1.ListProfileVersionsResponse;
import dev.rapport.proto.profile.v1.ListTimelineRequest;
import dev.rapport.proto.profile.v1.ListTimelineResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.proto.segment.v1.SegmentService;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/** Reads of a person's data through the gateway, over gRPC or REST; every one is audited. */
@ApplicationScoped
public class ProfileReads {
    private final ProfileService profiles;
    private final SegmentService segments;
    private final Audited audited;
    private final PurposeEnforcement enforcement;

    ProfileReads(@GrpcClient("profile") ProfileService profiles, @GrpcClient("segment") SegmentService segments, Audited audited,
            PurposeEnforcement enforcement) {
        this.profiles = profiles;
        this.segments = segments;
        this.audited = audited;
        this.enforcement = enforcement;
    }

    /** A profile as the declared purpose (Rapport-Purpose, else the caller's role's own) may see it. */
    public Uni<Profile> profile(GetProfileRequest request) {
        return audited.runDeclared("profiles.get", request.getProfileId(),
                (caller, purpose) -> profiles.getProfile(request).map(profile -> enforcement.shape(profile, purpose)));
    }

    public Uni<ListEventsResponse> events(ListEventsRequest request) {
        return audited.runDeclared("profiles.events.list", request.getProfileId(), (caller, purpose) -> profiles.listEvents(request));
    }

    public Uni<ListProfileVersionsResponse> versions(ListProfileVersionsRequest request) {
        return audited.runDeclared("profiles.versions.list", request.getProfileId(), (caller, purpose) -> profiles.listProfileVersions(request));
    }

    public Uni<ListTimelineResponse> timeline(ListTimelineRequest request) {
        return audited.runDeclared("profiles.timeline.list", request.getProfileId(), (caller, purpose) -> profiles.listTimeline(request));
    }

    public Uni<Engagement> engagement(GetEngagementRequest request) {
        return audited.runDeclared("segments.engagement.get", request.getProfileId(), (caller, purpose) -> segments.getEngagement(request));
    }
}
