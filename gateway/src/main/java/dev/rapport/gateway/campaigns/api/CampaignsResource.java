package dev.rapport.gateway.campaigns.api;

import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.campaigns.CampaignOperations;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.DeliverySummary;
import dev.rapport.proto.campaign.v1.ExperimentResults;
import dev.rapport.proto.campaign.v1.GetExperimentResultsRequest;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.proto.campaign.v1.GetCampaignRequest;
import dev.rapport.proto.campaign.v1.ListCampaignsRequest;
import dev.rapport.proto.campaign.v1.ListCampaignsResponse;
import dev.rapport.proto.campaign.v1.MessagePreview;
import dev.rapport.proto.campaign.v1.PreviewMessageRequest;
import dev.rapport.proto.campaign.v1.UpdateCampaignRequest;
import dev.rapport.runtime.error.InvalidInput;
import io.smallrye.mutiny.Uni;

/** Public REST twin of rapport.api.v1.Campaigns; bodies are the same messages in protobuf JSON. */
@Path("/api/v1/campaigns")
@Produces(MediaType.APPLICATION_JSON)
public class CampaignsResource {
    private final CampaignOperations campaigns;

    CampaignsResource(CampaignOperations campaigns) {
        this.campaigns = campaigns;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "marketer", "admin" })
    @Operation(summary = "Save a draft campaign (Campaign JSON); templates are checked with line and column. Idempotency-Key makes a retry answer the first")
    public Uni<Campaign> create(Campaign campaign, @HeaderParam("Idempotency-Key") @DefaultValue("") String idempotencyKey) {
        return campaigns.create(CreateCampaignRequest.newBuilder().setCampaign(InvalidInput.body(campaign, "a Campaign")).setRequestId(idempotencyKey).build());
    }

    @GET
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "Campaigns, newest first; follow nextPageToken for more")
    public Uni<ListCampaignsResponse> list(@QueryParam("page_size") @DefaultValue("0") int pageSize,
            @QueryParam("page_token") @DefaultValue("") String pageToken) {
        return campaigns.list(ListCampaignsRequest.newBuilder().setPageSize(pageSize).setPageToken(pageToken).build());
    }

    @GET
    @Path("{campaignId}")
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "A campaign with its variants")
    public Uni<Campaign> get(@PathParam("campaignId") String campaignId) {
        return campaigns.get(GetCampaignRequest.newBuilder().setCampaignId(campaignId).build());
    }

    @PUT
    @Path("{campaignId}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "marketer", "admin" })
    @Operation(summary = "Replace a draft's or a paused campaign's definition (Campaign JSON); expected_version guards against lost edits")
    public Uni<Campaign> update(@PathParam("campaignId") String campaignId, Campaign campaign,
            @QueryParam("expected_version") @DefaultValue("0") long expectedVersion) {
        return campaigns.update(UpdateCampaignRequest.newBuilder().setCampaign(InvalidInput.body(campaign, "a Campaign").toBuilder().setId(campaignId))
                .setExpectedVersion(expectedVersion).build());
    }

    @POST
    @Path("{campaignId}/status")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "marketer", "admin" })
    @Operation(summary = "Move the campaign along its lifecycle ({\"status\": \"ACTIVE\"}, PAUSED, COMPLETED, ARCHIVED)")
    public Uni<Campaign> changeStatus(@PathParam("campaignId") String campaignId, ChangeCampaignStatusRequest request) {
        return campaigns.changeStatus(InvalidInput.body(request, "a ChangeCampaignStatusRequest").toBuilder().setCampaignId(campaignId).build());
    }

    @POST
    @Path("{campaignId}/preview")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "The message one person would get ({\"profile\": {...attributes}, \"traits\": {...}, \"event\": {...}})")
    public Uni<MessagePreview> preview(@PathParam("campaignId") String campaignId, PreviewMessageRequest request) {
        return campaigns.preview(InvalidInput.body(request, "a PreviewMessageRequest").toBuilder().setCampaignId(campaignId).build());
    }

    @POST
    @Path("{campaignId}/triggers")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "Put a person into a journey triggered by the API ({\"profileId\", \"triggerId\", \"properties\": {...}}): "
            + "entered, or why not; the same triggerId twice enters once")
    public Uni<dev.rapport.proto.campaign.v1.TriggerCampaignResponse> trigger(@PathParam("campaignId") String campaignId,
            dev.rapport.proto.campaign.v1.TriggerCampaignRequest request) {
        return campaigns.trigger(InvalidInput.body(request, "a TriggerCampaignRequest").toBuilder().setCampaignId(campaignId).build());
    }

    @GET
    @Path("{campaignId}/deliveries")
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "Where a broadcast stands: planned, sent, skipped (and why), failed")
    public Uni<DeliverySummary> deliveries(@PathParam("campaignId") String campaignId) {
        return campaigns.deliveries(GetDeliverySummaryRequest.newBuilder().setCampaignId(campaignId).build());
    }

    @GET
    @Path("{campaignId}/experiment")
    @RolesAllowed({ "partner", "marketer", "admin" })
    @Operation(summary = "An experiment's arms: reached, sent, converted, conversion rate with its 95 % interval, uplift and p-value against control")
    public Uni<ExperimentResults> experiment(@PathParam("campaignId") String campaignId) {
        return campaigns.experiment(GetExperimentResultsRequest.newBuilder().setCampaignId(campaignId).build());
    }

}
