package dev.rapport.gateway.campaigns.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.campaigns.CampaignOperations;
import dev.rapport.proto.campaign.v1.InboxMessage;
import dev.rapport.proto.campaign.v1.ListInboxRequest;
import dev.rapport.proto.campaign.v1.ListInboxResponse;
import dev.rapport.proto.campaign.v1.MarkInboxReadRequest;
import io.smallrye.mutiny.Uni;

/** REST twin of the in-app inbox (rapport.api.v1.Campaigns ListInbox, MarkInboxRead): what a person's app shows them. */
@Path("/api/v1/profiles/{profileId}/inbox")
@Produces(MediaType.APPLICATION_JSON)
public class InboxResource {
    private final CampaignOperations campaigns;

    InboxResource(CampaignOperations campaigns) {
        this.campaigns = campaigns;
    }

    @GET
    @RolesAllowed({ "partner", "admin", "customer" })
    @Operation(summary = "A person's in-app inbox, newest first, with how many are unread (a customer: their own only)")
    public Uni<ListInboxResponse> list(@PathParam("profileId") String profileId, @QueryParam("page_size") @DefaultValue("0") int pageSize,
            @QueryParam("page_token") @DefaultValue("") String pageToken, @QueryParam("unread_only") @DefaultValue("false") boolean unreadOnly) {
        return campaigns.inbox(ListInboxRequest.newBuilder().setProfileId(profileId).setPageSize(pageSize).setPageToken(pageToken)
                .setUnreadOnly(unreadOnly).build());
    }

    @POST
    @Path("{messageId}/read")
    @RolesAllowed({ "partner", "admin", "customer" })
    @Operation(summary = "Marks one inbox message read (again: no change)")
    public Uni<InboxMessage> read(@PathParam("profileId") String profileId, @PathParam("messageId") String messageId) {
        return campaigns.markRead(MarkInboxReadRequest.newBuilder().setProfileId(profileId).setMessageId(messageId).build());
    }
}
