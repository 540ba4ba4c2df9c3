package dev.rapport.campaign.support.api;

import dev.rapport.campaign.support.MarketingHolds;
import dev.rapport.proto.campaign.v1.CampaignService;
import dev.rapport.proto.campaign.v1.GetMarketingHoldRequest;
import dev.rapport.proto.campaign.v1.MarketingHold;
import dev.rapport.runtime.Ids;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of campaign-service (rapport.campaign.v1.CampaignService). */
@GrpcService
public class CampaignGrpcService implements CampaignService {
    private final MarketingHolds holds;

    CampaignGrpcService(MarketingHolds holds) {
        this.holds = holds;
    }

    @Override
    public Uni<MarketingHold> getMarketingHold(GetMarketingHoldRequest request) {
        return Uni.createFrom().deferred(() -> holds.holdFor(Ids.profile("profile_id", request.getProfileId())));
    }
}
