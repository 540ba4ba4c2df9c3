package dev.rapport.gateway.profiles.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.profiles.ProfileReads;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ListEventsRequest;
import dev.rapport.proto.profile.v1.ListEventsResponse;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.Profiles and Segments; bodies are the same messages in protobuf JSON. */
@Path("/api/v1/profiles")
@Produces(MediaType.APPLICATION_JSON)
public class ProfilesResource {
    private final ProfileReads reads;

    ProfilesResource(ProfileReads reads) {
        this.reads = reads;
    }

    @GET
    @Path("lookup")
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
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
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    @Operation(summary = "A profile and its identifiers")
    public Uni<Profile> profile(@PathParam("profileId") String profileId) {
        return reads.profile(GetProfileRequest.newBuilder().setProfileId(profileId).build());
    }

    @GET
    @Path("{profileId}/events")
    @RolesAllowed({ "partner", "marketer", "agent", "admin" })
    @Operation(summary = "A profile's events, newest first; follow nextPageToken for more")
    public Uni<ListEventsResponse> events(@PathParam("profileId") String profileId,
            @QueryParam("page_size") @DefaultValue("0") int pageSize, @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return reads.events(ListEventsRequest.newBuilder().setProfileId(profileId).setPageSize(pageSize).setPageToken(pageToken).build());
    }

    @GET
    @Path("{profileId}/engagement")
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "What segment-service has learned of the profile's activity")
    public Uni<Engagement> engagement(@PathParam("profileId") String profileId) {
        return reads.engagement(GetEngagementRequest.newBuilder().setProfileId(profileId).build());
    }
}
