package dev.rapport.gateway.privacy;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import dev.rapport.gateway.consent.ConsentLedger;
import dev.rapport.proto.campaign.v1.CampaignService;
import dev.rapport.proto.campaign.v1.ExportRecipientRequest;
import dev.rapport.proto.chat.v1.ChatService;
import dev.rapport.proto.chat.v1.ExportConversationsRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequest.Kind;
import dev.rapport.proto.privacy.v1.ListConsentRecordsResponse;
import dev.rapport.proto.privacy.v1.PrivacyRequest;
import dev.rapport.proto.profile.v1.ExportProfileRequest;
import dev.rapport.proto.profile.v1.ProfileExportPart;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.proto.segment.v1.ListMembershipsRequest;
import dev.rapport.proto.segment.v1.SegmentService;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * A completed access or portability request's export: one JSON document with what every service holds about the
 * person, read when it is asked for (so it is never stored twice). Access gets everything, derived data included
 * (segments, engagement, messages sent); portability gets what the person provided: their profile and events, their
 * conversations and their consent decisions.
 */
@ApplicationScoped
public class PersonalDataExport {
    private static final JsonFormat.Printer JSON = JsonFormat.printer().omittingInsignificantWhitespace();

    private final ProfileService profiles;
    private final SegmentService segments;
    private final CampaignService campaigns;
    private final ChatService chat;
    private final ConsentLedger ledger;

    PersonalDataExport(@GrpcClient("profile") ProfileService profiles, @GrpcClient("segment") SegmentService segments,
            @GrpcClient("campaign") CampaignService campaigns, @GrpcClient("chat") ChatService chat, ConsentLedger ledger) {
        this.profiles = profiles;
        this.segments = segments;
        this.campaigns = campaigns;
        this.chat = chat;
        this.ledger = ledger;
    }

    /** @param visitorIds the visitor ids the person chatted as before they had a profile ("customer:<external id>") */
    public Uni<Struct> export(PrivacyRequest request, List<String> visitorIds) {
        if (request.getKind() != Kind.ACCESS && request.getKind() != Kind.PORTABILITY) {
            return Uni.createFrom().failure(Status.FAILED_PRECONDITION.withDescription("only an access or portability request has an export").asRuntimeException());
        }
        if (request.getStatus() != PrivacyRequest.Status.COMPLETED) {
            return Uni.createFrom().failure(Status.FAILED_PRECONDITION
                    .withDescription("the export is ready once every service has confirmed its part; see the request's parts").asRuntimeException());
        }
        String subject = request.getSubject();
        boolean everything = request.getKind() == Kind.ACCESS;
        JsonObject document = new JsonObject()
                .put("request", new JsonObject(print(request.toBuilder().clearParts())))
                .put("format", "Rapport personal data export v1: each section is what one service holds, in protobuf JSON");
        Uni<Void> parts = Uni.combine().all().unis(
                        profiles.exportProfile(ExportProfileRequest.newBuilder().setProfileId(subject).build())
                                .filter(part -> everything || part.hasProfile() || part.hasEvent())
                                .map(part -> (Object) new JsonObject(print(part))).collect().asList()
                                .onFailure(PersonalDataExport::notFound).recoverWithItem(List.of())
                                .invoke(all -> document.put("profile", new JsonArray(all))),
                        chat.exportConversations(ExportConversationsRequest.newBuilder().setProfileId(subject).addAllVisitorIds(visitorIds).build())
                                .map(conversation -> (Object) new JsonObject(print(conversation))).collect().asList()
                                .invoke(all -> document.put("conversations", new JsonArray(all))),
                        consentRecords(subject).invoke(all -> document.put("consent_records", new JsonArray(all))),
                        everything ? segments.listMemberships(ListMembershipsRequest.newBuilder().setProfileId(subject).build())
                                .invoke(memberships -> document.put("segments", new JsonObject(print(memberships)))) : Uni.createFrom().voidItem(),
                        everything ? segments.getEngagement(GetEngagementRequest.newBuilder().setProfileId(subject).build())
                                .invoke(engagement -> document.put("engagement", new JsonObject(print(engagement))))
                                .onFailure(PersonalDataExport::notFound).recoverWithNull() : Uni.createFrom().voidItem(),
                        everything ? campaigns.exportRecipient(ExportRecipientRequest.newBuilder().setProfileId(subject).build())
                                .invoke(held -> document.put("campaigns", new JsonObject(print(held)))) : Uni.createFrom().voidItem())
                .discardItems();
        return parts.map(x -> {
            Struct.Builder struct = Struct.newBuilder();
            try {
                JsonFormat.parser().merge(document.encode(), struct);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
            return struct.build();
        });
    }

    private static boolean notFound(Throwable failure) {
        return failure instanceof io.grpc.StatusRuntimeException status && status.getStatus().getCode() == Status.Code.NOT_FOUND;
    }

    /** Every consent record of the person, page by page. */
    private Uni<List<Object>> consentRecords(String subject) {
        return Multi.createBy().repeating()
                .uni(() -> new String[] { "" }, token -> ledger.history(subject, 1000, token[0]).invoke(page -> token[0] = page.getNextPageToken()))
                .whilst(page -> !page.getNextPageToken().isEmpty())
                .onItem().transformToIterable(ListConsentRecordsResponse::getRecordsList)
                .map(record -> (Object) new JsonObject(print(record)))
                .collect().asList();
    }

    private static String print(MessageOrBuilder message) {
        try {
            return JSON.print(message);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }
}
