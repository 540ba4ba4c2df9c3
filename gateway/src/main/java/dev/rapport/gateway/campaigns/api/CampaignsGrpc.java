package dev.rapport.gateway.campaigns.api;

import jakarta.annotation.security.RolesAllowed;

import dev.rapport.gateway.campaigns.CampaignOperations;
import dev.rapport.proto.api.v1.Campaigns;
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
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Public gRPC rapport.api.v1.Campaigns. */
@GrpcService
public class CampaignsGrpc implements Campaigns {
    private final CampaignOperations campaigns;

    CampaignsGrpc(CampaignOperations campaigns) {
        this.campaigns = campaigns;
    }

    @Override
    @RolesAllowed({ "marketer", "admin" })
    public Uni<Campaign> createCampaign(CreateCampaignRequest request) {
        return campaigns.create(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "admin" })
    public Uni<Campaign> getCampaign(GetCampaignRequest request) {
        return campaigns.get(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "admin" })
    public Uni<ListCampaignsResponse> listCampaigns(ListCampaignsRequest request) {
        return campaigns.list(request);
    }

    @Override
    @RolesAllowed({ "marketer", "admin" })
    public Uni<Campaign> updateCampaign(UpdateCampaignRequest request) {
        return campaigns.update(request);
    }

    @Override
    @RolesAllowed({ "marketer", "admin" })
    public Uni<Campaign> changeCampaignStatus(ChangeCampaignStatusRequest request) {
        return campaigns.changeStatus(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "admin" })
    public Uni<MessagePreview> previewMessage(PreviewMessageRequest request) {
        return campaigns.preview(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "admin" })
    public Uni<DeliverySummary> getDeliverySummary(GetDeliverySummaryRequest request) {
        return campaigns.deliveries(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "admin" })
    public Uni<dev.rapport.proto.campaign.v1.TriggerCampaignResponse> triggerCampaign(dev.rapport.proto.campaign.v1.TriggerCampaignRequest request) {
        return campaigns.trigger(request);
    }

    @Override
    @RolesAllowed({ "partner", "admin", "customer" })
    public Uni<dev.rapport.proto.campaign.v1.ListInboxResponse> listInbox(dev.rapport.proto.campaign.v1.ListInboxRequest request) {
        return campaigns.inbox(request);
    }

    @Override
    @RolesAllowed({ "partner", "admin", "customer" })
    public Uni<dev.rapport.proto.campaign.v1.InboxMessage> markInboxRead(dev.rapport.proto.campaign.v1.MarkInboxReadRequest request) {
        return campaigns.markRead(request);
    }

    @Override
    @RolesAllowed({ "partner", "marketer", "admin" })
    public Uni<ExperimentResults> getExperimentResults(GetExperimentResultsRequest request) {
        return campaigns.experiment(request);
    }
}
