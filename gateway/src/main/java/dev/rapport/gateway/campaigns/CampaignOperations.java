package dev.rapport.gateway.campaigns;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.gateway.audit.Audited;
import dev.rapport.gateway.audit.Purposes;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignService;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.DeliverySummary;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.proto.campaign.v1.ExperimentResults;
import dev.rapport.proto.campaign.v1.GetCampaignRequest;
import dev.rapport.proto.campaign.v1.GetExperimentResultsRequest;
import dev.rapport.proto.campaign.v1.ListCampaignsRequest;
import dev.rapport.proto.campaign.v1.ListCampaignsResponse;
import dev.rapport.proto.campaign.v1.MessagePreview;
import dev.rapport.proto.campaign.v1.PreviewMessageRequest;
import dev.rapport.proto.campaign.v1.TriggerCampaignRequest;
import dev.rapport.proto.campaign.v1.TriggerCampaignResponse;
import dev.rapport.proto.campaign.v1.UpdateCampaignRequest;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/**
 * Campaigns, passed to campaign-service. A definition holds no one's personal data and is not audited; a preview
 * renders only what its caller sent about the person, nothing stored; a trigger is about one person, and audited.
 */
@ApplicationScoped
public class CampaignOperations {
    private final CampaignService campaigns;
    private final Audited audited;

    CampaignOperations(@GrpcClient("campaign") CampaignService campaigns, Audited audited) {
        this.campaigns = campaigns;
        this.audited = audited;
    }

    /**
     * A partner app puts a person into a journey: a use of their data for the campaign's purpose, refused without a
     * basis for it (as every other enforcement point would) and audited.
     */
    public Uni<TriggerCampaignResponse> trigger(TriggerCampaignRequest request) {
        return campaigns.getCampaign(GetCampaignRequest.newBuilder().setCampaignId(request.getCampaignId()).build())
                .flatMap(campaign -> audited.run("campaigns.trigger", campaign.getPurpose(), request.getProfileId(),
                        caller -> campaigns.triggerCampaign(request)));
    }

    /** A person's in-app inbox, as their app shows it to them (a customer reaches their own only). */
    public Uni<dev.rapport.proto.campaign.v1.ListInboxResponse> inbox(dev.rapport.proto.campaign.v1.ListInboxRequest request) {
        return audited.run("campaigns.inbox.list", Purposes.ESSENTIAL_SERVICE, request.getProfileId(), caller -> campaigns.listInbox(request));
    }

    public Uni<dev.rapport.proto.campaign.v1.InboxMessage> markRead(dev.rapport.proto.campaign.v1.MarkInboxReadRequest request) {
        return audited.run("campaigns.inbox.read", Purposes.ESSENTIAL_SERVICE, request.getProfileId(), caller -> campaigns.markInboxRead(request));
    }

    public Uni<Campaign> create(CreateCampaignRequest request) {
        return campaigns.createCampaign(request);
    }

    public Uni<Campaign> get(GetCampaignRequest request) {
        return campaigns.getCampaign(request);
    }

    public Uni<ListCampaignsResponse> list(ListCampaignsRequest request) {
        return campaigns.listCampaigns(request);
    }

    public Uni<Campaign> update(UpdateCampaignRequest request) {
        return campaigns.updateCampaign(request);
    }

    public Uni<Campaign> changeStatus(ChangeCampaignStatusRequest request) {
        return campaigns.changeCampaignStatus(request);
    }

    public Uni<MessagePreview> preview(PreviewMessageRequest request) {
        return campaigns.previewMessage(request);
    }

    public Uni<DeliverySummary> deliveries(GetDeliverySummaryRequest request) {
        return campaigns.getDeliverySummary(request);
    }

    public Uni<ExperimentResults> experiment(GetExperimentResultsRequest request) {
        return campaigns.getExperimentResults(request);
    }
}
