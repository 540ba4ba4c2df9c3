package dev.rapport.campaign.api;

import dev.rapport.campaign.definition.Campaigns;
import dev.rapport.campaign.delivery.Broadcasts;
import dev.rapport.campaign.experiment.Experiments;
import dev.rapport.proto.campaign.v1.ExperimentResults;
import dev.rapport.proto.campaign.v1.GetExperimentResultsRequest;
import dev.rapport.campaign.privacy.Recipients;
import dev.rapport.proto.campaign.v1.DeliverySummary;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.campaign.support.MarketingHolds;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignService;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.ExportRecipientRequest;
import dev.rapport.proto.campaign.v1.GetCampaignRequest;
import dev.rapport.proto.campaign.v1.GetMarketingHoldRequest;
import dev.rapport.proto.campaign.v1.ListCampaignsRequest;
import dev.rapport.proto.campaign.v1.ListCampaignsResponse;
import dev.rapport.proto.campaign.v1.MarketingHold;
import dev.rapport.proto.campaign.v1.MessagePreview;
import dev.rapport.proto.campaign.v1.PreviewMessageRequest;
import dev.rapport.proto.campaign.v1.RecipientExport;
import dev.rapport.proto.campaign.v1.UpdateCampaignRequest;
import dev.rapport.runtime.Ids;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of campaign-service (rapport.campaign.v1.CampaignService). */
@GrpcService
public class CampaignGrpcService implements CampaignService {
    private final MarketingHolds holds;
    private final Campaigns campaigns;
    private final Broadcasts broadcasts;
    private final Recipients recipients;
    private final Experiments experiments;
    private final dev.rapport.campaign.journey.Journeys journeys;
    private final dev.rapport.campaign.delivery.Clicks clicks;
    private final dev.rapport.campaign.delivery.Inbox inbox;

    CampaignGrpcService(MarketingHolds holds, Campaigns campaigns, Broadcasts broadcasts, Recipients recipients, Experiments experiments,
            dev.rapport.campaign.journey.Journeys journeys, dev.rapport.campaign.delivery.Clicks clicks, dev.rapport.campaign.delivery.Inbox inbox) {
        this.inbox = inbox;
        this.journeys = journeys;
        this.clicks = clicks;
        this.experiments = experiments;
        this.holds = holds;
        this.campaigns = campaigns;
        this.broadcasts = broadcasts;
        this.recipients = recipients;
    }

    @Override
    public Uni<DeliverySummary> getDeliverySummary(GetDeliverySummaryRequest request) {
        return Uni.createFrom().deferred(() -> broadcasts.summary(request.getCampaignId()));
    }

    @Override
    public Uni<ExperimentResults> getExperimentResults(GetExperimentResultsRequest request) {
        return Uni.createFrom().deferred(() -> campaigns.get(request.getCampaignId()).flatMap(experiments::results));
    }

    @Override
    public Uni<MarketingHold> getMarketingHold(GetMarketingHoldRequest request) {
        return Uni.createFrom().deferred(() -> holds.holdFor(Ids.profile("profile_id", request.getProfileId())));
    }

    @Override
    public Uni<RecipientExport> exportRecipient(ExportRecipientRequest request) {
        return Uni.createFrom().deferred(() -> recipients.export(Ids.profile("profile_id", request.getProfileId())));
    }

    @Override
    public Uni<Campaign> createCampaign(CreateCampaignRequest request) {
        return Uni.createFrom().deferred(() -> campaigns.create(request.getCampaign(), request.getRequestId()));
    }

    @Override
    public Uni<Campaign> getCampaign(GetCampaignRequest request) {
        return Uni.createFrom().deferred(() -> campaigns.get(request.getCampaignId()));
    }

    @Override
    public Uni<ListCampaignsResponse> listCampaigns(ListCampaignsRequest request) {
        return Uni.createFrom().deferred(() -> campaigns.list(request.getPageSize(), request.getPageToken()));
    }

    @Override
    public Uni<Campaign> updateCampaign(UpdateCampaignRequest request) {
        return Uni.createFrom().deferred(() -> campaigns.update(request.getCampaign(), request.getExpectedVersion()));
    }

    @Override
    public Uni<dev.rapport.proto.campaign.v1.TriggerCampaignResponse> triggerCampaign(dev.rapport.proto.campaign.v1.TriggerCampaignRequest request) {
        // the caller's trace (the gRPC server span) goes with the run to the message
        String traceparent = dev.rapport.runtime.trace.Traces.current();
        return Uni.createFrom().deferred(() -> journeys.trigger(request, traceparent));
    }

    @Override
    public Uni<dev.rapport.proto.campaign.v1.RecordClickResponse> recordClick(dev.rapport.proto.campaign.v1.RecordClickRequest request) {
        return Uni.createFrom().deferred(() -> clicks.record(request.getToken()))
                .map(url -> dev.rapport.proto.campaign.v1.RecordClickResponse.newBuilder().setUrl(url).build());
    }

    @Override
    public Uni<dev.rapport.proto.campaign.v1.RecordOpenResponse> recordOpen(dev.rapport.proto.campaign.v1.RecordOpenRequest request) {
        return Uni.createFrom().deferred(() -> clicks.recordOpen(request.getToken()))
                .replaceWith(dev.rapport.proto.campaign.v1.RecordOpenResponse.getDefaultInstance());
    }

    @Override
    public Uni<dev.rapport.proto.campaign.v1.ListInboxResponse> listInbox(dev.rapport.proto.campaign.v1.ListInboxRequest request) {
        return Uni.createFrom().deferred(() -> inbox.list(request));
    }

    @Override
    public Uni<dev.rapport.proto.campaign.v1.InboxMessage> markInboxRead(dev.rapport.proto.campaign.v1.MarkInboxReadRequest request) {
        return Uni.createFrom().deferred(() -> inbox.markRead(request));
    }

    @Override
    public Uni<Campaign> changeCampaignStatus(ChangeCampaignStatusRequest request) {
        return Uni.createFrom().deferred(() -> campaigns.changeStatus(request.getCampaignId(), request.getStatus()));
    }

    @Override
    public Uni<MessagePreview> previewMessage(PreviewMessageRequest request) {
        return Uni.createFrom().deferred(() -> campaigns.preview(request));
    }
}
