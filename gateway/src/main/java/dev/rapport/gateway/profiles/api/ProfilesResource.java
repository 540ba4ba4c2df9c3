package dev.rapport.gateway.profiles.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import com.google.protobuf.Struct;

import dev.rapport.gateway.profiles.ProfileReads;
import dev.rapport.gateway.profiles.ProfileWrites;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.IdentifyRequest;
import dev.rapport.proto.profile.v1.IdentifyResponse;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.ListProfileVersionsRequest;
import dev.rapport.proto.profile.v1.ListProfileVersionsResponse;
import dev.rapport.proto.profile.v1.ListTimelineRequest;
import dev.rapport.proto.profile.v1.ListTimelineResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.proto.segment.v1.ListMembershipsRequest;
import dev.rapport.proto.segment.v1.ListMembershipsResponse;
import dev.rapport.gateway.segments.SegmentOperations;
import dev.rapport.gateway.consent.ConsentOperations;
import dev.rapport.proto.privacy.v1.ConsentSummary;
import dev.rapport.proto.privacy.v1.GetConsentStateRequest;
import dev.rapport.proto.privacy.v1.ListConsentRecordsRequest;
import dev.rapport.proto.privacy.v1.ListConsentRecordsResponse;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.Profiles (and a profile's segments and consent); bodies are the same messages in protobuf JSON. */
@Path("/api/v1/profiles")
@Produces(MediaType.APPLICATION_JSON)
public class ProfilesResource {
    private final ProfileReads reads;
    private final ProfileWrites writes;
    private final SegmentOperations segments;
    private final ConsentOperations consents;

    ProfilesResource(ProfileReads reads, ProfileWrites writes, SegmentOperations segments, ConsentOperations consents) {
        this.reads = reads;
        this.writes = writes;
        this.segments = segments;
        this.consents = consents;
    }

    @GET
    @Path("lookup")
    @RolesAllowed({ "partner", "marketer", "agent", "admin", "customer" })
    @Operation(summary = "The profile any of its identifiers finds (type: EXTERNAL_ID, EMAIL, PHONE, DEVICE_ID, ANONYMOUS_ID)")
    public Uni<Profile> lookup(@QueryParam("type") @DefaultValue("") String type, @QueryParam("value") @DefaultValue("") String value) {
        Identifier.Builder identifier = Identifier.newBuilder().setValue(value);
        try {
            identifier.setType(Identifier.Type.valueOf(type));
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("type", "one of EXTERNAL_ID, EMAIL, PHONE, DEVICE_ID, ANONYMOUS_ID");
        }
        return reads.profile(GetProfileRequest.newBuilder().setIdentifier(identifier).build());
    }

    @GET
    @Path("{profileId}")
    @RolesAllowed({ "partner", "marketer", "agent", "admin", "customer" })
    @Operation(summary = "A profile and its identifiers")
    public Uni<Profile> profile(@PathParam("profileId") String profileId) {
        return reads.profile(GetProfileRequest.newBuilder().setProfileId(profileId).build());
    }

    @GET
    @Path("{profileId}/events")
    @RolesAllowed({ "partner", "marketer", "agent", "admin", "customer" })
    @Operation(summary = "A profile's events, newest first; follow nextPageToken for more")
    public Uni<ListEventsResponse> events(@PathParam("profileId") String profileId,
            @QueryParam("page_size") @DefaultValue("0") int pageSize, @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return reads.events(ListEventsRequest.newBuilder().setProfileId(profileId).setPageSize(pageSize).setPageToken(pageToken).build());
    }

    @GET
    @Path("{profileId}/timeline")
    @RolesAllowed({ "partner", "marketer", "agent", "admin", "customer" })
    @Operation(summary = "A profile's events, campaign deliveries and support conversations, newest first; follow nextPageToken for more")
    public Uni<ListTimelineResponse> timeline(@PathParam("profileId") String profileId,
            @QueryParam("page_size") @DefaultValue("0") int pageSize, @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return reads.timeline(ListTimelineRequest.newBuilder().setProfileId(profileId).setPageSize(pageSize).setPageToken(pageToken).build());
    }

    @GET
    @Path("{profileId}/versions")
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    @Operation(summary = "What changed in each version of a profile, newest first; follow nextPageToken for more")
    public Uni<ListProfileVersionsResponse> versions(@PathParam("profileId") String profileId,
            @QueryParam("page_size") @DefaultValue("0") int pageSize, @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return reads.versions(ListProfileVersionsRequest.newBuilder().setProfileId(profileId).setPageSize(pageSize).setPageToken(pageToken).build());
    }

    @PATCH
    @Path("{profileId}/attributes")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "partner", "admin" })
    @Operation(summary = "Set a profile's attributes (JSON object of name to value, null removes one); all or nothing, answers the profile")
    public Uni<Profile> updateAttributes(@PathParam("profileId") String profileId, Struct attributes,
            @Parameter(description = "Where the values come from, e.g. crm or app; recorded with the version")
            @QueryParam("source") @DefaultValue("") String source) {
        if (attributes == null) {
            throw new InvalidInput("body", "a JSON object of attribute name to value");
        }
        return writes.updateAttributes(UpdateAttributesRequest.newBuilder().setProfileId(profileId)
                .putAllAttributes(attributes.getFieldsMap()).setSource(source).build());
    }

    @POST
    @Path("identify")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "partner", "admin" })
    @Operation(summary = "Link identifiers to a known user's profile (IdentifyRequest JSON), merging profiles they found; idempotent")
    public Uni<IdentifyResponse> identify(IdentifyRequest request) {
        InvalidInput.body(request, "an IdentifyRequest");
        return writes.identify(request);
    }

    @GET
    @Path("{profileId}/segments")
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "The segments a profile belongs to")
    public Uni<ListMembershipsResponse> segments(@PathParam("profileId") String profileId) {
        return segments.memberships(ListMembershipsRequest.newBuilder().setProfileId(profileId).build());
    }

    @GET
    @Path("{profileId}/engagement")
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "What segment-service has learned of the profile's activity")
    public Uni<Engagement> engagement(@PathParam("profileId") String profileId) {
        return reads.engagement(GetEngagementRequest.newBuilder().setProfileId(profileId).build());
    }

    @GET
    @Path("{profileId}/consent")
    @RolesAllowed({ "partner", "agent", "privacy-officer", "admin", "customer" })
    @Operation(summary = "A person's standing decisions, jurisdiction, and what the policy allows for the main purposes")
    public Uni<ConsentSummary> state(@PathParam("profileId") String profileId) {
        return consents.state(GetConsentStateRequest.newBuilder().setSubject(profileId).build());
    }

    @GET
    @Path("{profileId}/consent/records")
    @RolesAllowed({ "partner", "agent", "privacy-officer", "admin", "customer" })
    @Operation(summary = "A person's consent records, newest first; follow nextPageToken for more")
    public Uni<ListConsentRecordsResponse> history(@PathParam("profileId") String profileId,
            @QueryParam("page_size") @DefaultValue("0") int pageSize, @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return consents.history(ListConsentRecordsRequest.newBuilder().setSubject(profileId).setPageSize(pageSize).setPageToken(pageToken).build());
    }
}
