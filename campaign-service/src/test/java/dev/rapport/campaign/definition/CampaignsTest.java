package dev.rapport.campaign.definition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.BadRequest;

import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.GetCampaignRequest;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.WaitForEvent;
import dev.rapport.proto.campaign.v1.ListCampaignsRequest;
import dev.rapport.proto.campaign.v1.MessagePreview;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.PreviewMessageRequest;
import dev.rapport.proto.campaign.v1.UpdateCampaignRequest;
import dev.rapport.proto.campaign.v1.GetCampaignRequest;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** Campaign definitions over campaign-service's gRPC API, stored in the real PostgreSQL. */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class) // the same resources as every test class here: one app, started once
class CampaignsTest {
    @jakarta.inject.Inject
    Campaigns clock; // its startDue: this module's tests do not tick on their own
    private ManagedChannel channel;
    private CampaignServiceGrpc.CampaignServiceBlockingStub campaigns;

    @BeforeEach
    void connect() {
        channel = TestChannels.toServiceUnderTest();
        campaigns = CampaignServiceGrpc.newBlockingStub(channel);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        TestChannels.close(channel);
    }

    @Test
    void aTemplateErrorIsRefusedOnSaveNamingTheVariantLineAndColumn() {
        Campaign broken = promotion().setVariants(1, MessageVariant.newBuilder().setLocale("es").setSubjectLine("Hola")
                .setBody("Hola {{ profile.first_name }}\n{% if traits.vip %}VIP")).setDefaultLocale("xx-not-a-tag").build();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(broken).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        List<BadRequest.FieldViolation> violations = violations(refused);
        assertTrue(violations.stream().anyMatch(v -> v.getField().equals("campaign.variants[1].body") && v.getDescription().startsWith("line 2, column")),
                violations.toString());
        assertTrue(violations.stream().anyMatch(v -> v.getField().equals("campaign.default_locale")), violations.toString());
        assertEquals(0, campaigns.listCampaigns(ListCampaignsRequest.newBuilder().setPageSize(500).build()).getCampaignsList().stream()
                .filter(c -> c.getName().equals(broken.getName())).count(), "nothing was saved");
    }

    @Test
    void aDraftIsCreatedOnceUnderItsRequestIdAndReadBack() {
        String key = "create-" + UUID.randomUUID();
        Campaign first = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(promotion()).setRequestId(key).build());
        Campaign again = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(promotion()).setRequestId(key).build());
        assertEquals(first.getId(), again.getId());
        assertEquals(Campaign.Status.DRAFT, first.getStatus());
        assertEquals(1, first.getVersion());
        Campaign read = campaigns.getCampaign(GetCampaignRequest.newBuilder().setCampaignId(first.getId()).build());
        assertEquals(first.getVariantsList(), read.getVariantsList());
        assertEquals("es", read.getLanguageFallbacksMap().get("ca"));
    }

    @Test
    void theLifecycleChecksActivationAndGuardsEdits() {
        Campaign draft = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(promotion().clearSegmentId()).build());
        StatusRuntimeException noAudience = assertThrows(StatusRuntimeException.class, () -> status(draft, Campaign.Status.ACTIVE));
        assertEquals(Status.Code.FAILED_PRECONDITION, noAudience.getStatus().getCode());
        assertTrue(noAudience.getStatus().getDescription().contains("an audience"), noAudience.getStatus().getDescription());

        Campaign withAudience = campaigns.updateCampaign(UpdateCampaignRequest.newBuilder()
                .setCampaign(draft.toBuilder().setSegmentId(UUID.randomUUID().toString())).setExpectedVersion(1).build());
        assertEquals(2, withAudience.getVersion());
        Campaign active = status(withAudience, Campaign.Status.ACTIVE);
        assertEquals(Campaign.Status.ACTIVE, active.getStatus());
        assertEquals(Campaign.Status.ACTIVE, status(active, Campaign.Status.ACTIVE).getStatus(), "asked twice: done once");

        StatusRuntimeException liveEdit = assertThrows(StatusRuntimeException.class, () -> campaigns.updateCampaign(UpdateCampaignRequest
                .newBuilder().setCampaign(active.toBuilder().setName("changed while sending")).setExpectedVersion(active.getVersion()).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, liveEdit.getStatus().getCode());

        Campaign paused = status(active, Campaign.Status.PAUSED);
        StatusRuntimeException stale = assertThrows(StatusRuntimeException.class, () -> campaigns.updateCampaign(UpdateCampaignRequest
                .newBuilder().setCampaign(paused.toBuilder().setName("late")).setExpectedVersion(paused.getVersion() - 1).build()));
        assertEquals(Status.Code.ABORTED, stale.getStatus().getCode());
        StatusRuntimeException repurposed = assertThrows(StatusRuntimeException.class, () -> campaigns.updateCampaign(UpdateCampaignRequest
                .newBuilder().setCampaign(paused.toBuilder().setPurpose("essential.service.notifications")).setExpectedVersion(paused.getVersion()).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, repurposed.getStatus().getCode(), "a paused promotion cannot finish as a transactional message");
        Campaign edited = campaigns.updateCampaign(UpdateCampaignRequest.newBuilder()
                .setCampaign(paused.toBuilder().setName("winter promotion, edited")).setExpectedVersion(paused.getVersion()).build());
        assertEquals("winter promotion, edited", edited.getName());

        Campaign archived = status(edited, Campaign.Status.ARCHIVED);
        assertEquals(Status.Code.FAILED_PRECONDITION,
                assertThrows(StatusRuntimeException.class, () -> status(archived, Campaign.Status.ACTIVE)).getStatus().getCode());
    }

    @Test
    void aCampaignActivatedBeforeItsStartTimeIsScheduledUntilThenAndBadTriggersOrTimesAreRefused() {
        Campaign draft = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(promotion()
                .setStartTime(Envelopes.timestamp(java.time.Instant.now().plusSeconds(2)))).build());
        Campaign scheduled = status(draft, Campaign.Status.ACTIVE);
        assertEquals(Campaign.Status.SCHEDULED, scheduled.getStatus());
        assertEquals(Campaign.Status.SCHEDULED, status(scheduled, Campaign.Status.ACTIVE).getStatus(), "asked twice: still scheduled");
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(StatusRuntimeException.class,
                () -> status(scheduled, Campaign.Status.SCHEDULED)).getStatus().getCode(), "only the clock schedules");
        await().atMost(java.time.Duration.ofSeconds(10)).pollInterval(java.time.Duration.ofMillis(200)).until(() -> {
            clock.startDue().await().atMost(java.time.Duration.ofSeconds(5));
            return campaigns.getCampaign(GetCampaignRequest.newBuilder().setCampaignId(draft.getId()).build()).getStatus() == Campaign.Status.ACTIVE;
        });

        Campaign refused = promotion().clearSegmentId().setStartTime(Envelopes.timestamp(java.time.Instant.now().plus(java.time.Duration.ofDays(800))))
                .setJourney(Journey.newBuilder().setTriggerEvent("cart_abandoned").setApiTrigger(true)
                        .addSteps(JourneyStep.newBuilder().setSendMessage(dev.rapport.proto.campaign.v1.SendMessage.getDefaultInstance()))).build();
        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
                () -> campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(refused).build()));
        assertEquals(List.of("campaign.journey", "campaign.start_time"), violations(bad).stream().map(BadRequest.FieldViolation::getField).toList());
    }

    @Test
    void aPreviewPicksTheVariantForThePersonsLanguageAndPlaceAndRendersIt() {
        Campaign campaign = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(promotion()).build());
        MessagePreview barcelona = campaigns.previewMessage(PreviewMessageRequest.newBuilder().setCampaignId(campaign.getId())
                .setProfile(struct("language", "ca-ES", "country", "ES", "city", "Barcelona", "first_name", "Núria")).build());
        assertTrue(barcelona.getSent());
        assertEquals(2, barcelona.getVariantIndex());
        assertEquals("Núria, 2x1 en Barcelona", barcelona.getBody());

        MessagePreview seoul = campaigns.previewMessage(PreviewMessageRequest.newBuilder().setCampaignId(campaign.getId())
                .setProfile(struct("language", "ko-KR", "country", "KR")).build());
        assertEquals("Hello there, winter deals are here", seoul.getBody(), "the default, with the default filter");

        Campaign withoutDefault = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(promotion().setDefaultLocale("")).build());
        MessagePreview berlin = campaigns.previewMessage(PreviewMessageRequest.newBuilder().setCampaignId(withoutDefault.getId())
                .setProfile(struct("language", "de-DE", "country", "DE")).build());
        assertFalse(berlin.getSent());
        assertEquals("no variant for de-DE → de and no default", berlin.getReason());
    }

    private Campaign status(Campaign campaign, Campaign.Status status) {
        return campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(campaign.getId()).setStatus(status).build());
    }

    @Test
    void aJourneyIsCheckedStepByStepOnSaveAndNeedsAMessageToActivate() {
        Campaign broken = promotion().setJourney(Journey.newBuilder().setTriggerEvent("cart abandoned!")
                .addSteps(JourneyStep.newBuilder().setWait(com.google.protobuf.Duration.newBuilder().setSeconds(0)))
                .addSteps(JourneyStep.newBuilder())
                .addSteps(JourneyStep.newBuilder().setWaitForEvent(WaitForEvent.newBuilder().setEvent("order_placed")
                        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(91L * 24 * 3600))))
                .addExitEvents("cart abandoned!")).build();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(broken).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode());
        assertEquals(List.of("campaign.segment_id", "campaign.journey.trigger_event", "campaign.journey.steps[0].wait", "campaign.journey.steps[1]",
                "campaign.journey.steps[2].wait_for_event.timeout", "campaign.journey.exit_events[0]"),
                violations(refused).stream().map(BadRequest.FieldViolation::getField).toList());

        Campaign silent = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(promotion().clearSegmentId()
                .setJourney(Journey.newBuilder().setTriggerEvent("cart_abandoned").addExitEvents("order_placed")
                        .addSteps(JourneyStep.newBuilder().setWait(com.google.protobuf.Duration.newBuilder().setSeconds(3600))))).build());
        assertEquals("cart_abandoned", silent.getJourney().getTriggerEvent(), "the journey is stored and read back");
        StatusRuntimeException notReady = assertThrows(StatusRuntimeException.class, () -> campaigns.changeCampaignStatus(
                ChangeCampaignStatusRequest.newBuilder().setCampaignId(silent.getId()).setStatus(Campaign.Status.ACTIVE).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, notReady.getStatus().getCode());
        assertTrue(notReady.getStatus().getDescription().contains("a send_message step in its journey"), notReady.getStatus().getDescription());
    }

    @Test
    void branchesSplitsTimesOfDayAndAttributeUpdatesAreCheckedOnSaveAndNeverGoBack() {
        Campaign broken = promotion().clearSegmentId().setJourney(Journey.newBuilder().setTriggerEvent("cart_abandoned")
                .addSteps(JourneyStep.newBuilder().setWaitUntil(dev.rapport.proto.campaign.v1.WaitUntil.newBuilder().setMinute(75)))
                .addSteps(JourneyStep.newBuilder().setBranch(dev.rapport.proto.campaign.v1.Branch.newBuilder()
                        .setTriggerProperty(dev.rapport.proto.campaign.v1.PropertyTest.newBuilder().setProperty("cart total")
                                .setOperator(dev.rapport.proto.campaign.v1.PropertyTest.Operator.GREATER_THAN)
                                .setValue(Value.newBuilder().setStringValue("fifty")))
                        .setThenGoToStep(1).setElseGoToStep(9)))
                .addSteps(JourneyStep.newBuilder().setSplit(dev.rapport.proto.campaign.v1.Split.newBuilder()
                        .addPaths(dev.rapport.proto.campaign.v1.SplitPath.newBuilder().setName("a").setPercent(60))
                        .addPaths(dev.rapport.proto.campaign.v1.SplitPath.newBuilder().setName("a").setPercent(30).setGoToStep(5))))
                .addSteps(JourneyStep.newBuilder().setUpdateAttribute(dev.rapport.proto.campaign.v1.UpdateAttribute.newBuilder()
                        .setAttribute("Last-Reminder")))
                .addSteps(JourneyStep.newBuilder().setSendMessage(dev.rapport.proto.campaign.v1.SendMessage.getDefaultInstance()))).build();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(broken).build()));
        assertEquals(List.of("campaign.journey.steps[0].wait_until", "campaign.journey.steps[0].wait_until.minute",
                "campaign.journey.steps[1].branch.trigger_property.property", "campaign.journey.steps[1].branch.trigger_property.value",
                "campaign.journey.steps[1].branch.then_go_to_step", "campaign.journey.steps[1].branch.else_go_to_step",
                "campaign.journey.steps[2].split.paths[1].name", "campaign.journey.steps[2].split.paths",
                "campaign.journey.steps[3].update_attribute.attribute", "campaign.journey.steps[3].update_attribute.value"),
                violations(refused).stream().map(BadRequest.FieldViolation::getField).toList());
        assertTrue(violations(refused).get(4).getDescription().contains("never goes back"), violations(refused).get(4).getDescription());

        Campaign fine = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(promotion().clearSegmentId()
                .setJourney(Journey.newBuilder().setTriggerEvent("cart_abandoned")
                        .addSteps(JourneyStep.newBuilder().setWaitUntil(dev.rapport.proto.campaign.v1.WaitUntil.newBuilder().setBestHour(true).setHour(18)))
                        .addSteps(JourneyStep.newBuilder().setBranch(dev.rapport.proto.campaign.v1.Branch.newBuilder()
                                .setInSegment(UUID.randomUUID().toString()).setElseGoToStep(4)))
                        .addSteps(JourneyStep.newBuilder().setSendMessage(dev.rapport.proto.campaign.v1.SendMessage.getDefaultInstance())))).build());
        assertEquals(4, fine.getJourney().getSteps(1).getBranch().getElseGoToStep(), "4 of 3 steps: the end");
    }

    @Test
    void anAutomaticWinnerIsForBroadcastsWithArmsToChooseFromAndTimeForConversions() {
        Campaign broken = promotion().setExperiment(dev.rapport.proto.campaign.v1.Experiment.newBuilder().setConversionEvent("order_placed")
                .setConversionWindow(com.google.protobuf.Duration.newBuilder().setSeconds(86_400))
                .addArms(dev.rapport.proto.campaign.v1.ExperimentArm.newBuilder().setName("A").setWeight(1))
                .addArms(dev.rapport.proto.campaign.v1.ExperimentArm.newBuilder().setName("control").setWeight(1).setControl(true))
                .setAutoWinner(dev.rapport.proto.campaign.v1.AutoWinner.newBuilder().setTestPercent(80)
                        .setDecideAfter(com.google.protobuf.Duration.newBuilder().setSeconds(3600)))).build();
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                () -> campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(broken).build()));
        assertEquals(List.of("campaign.experiment.auto_winner.test_percent", "campaign.experiment.auto_winner.decide_after",
                "campaign.experiment.arms"), violations(refused).stream().map(BadRequest.FieldViolation::getField).toList());
    }

    private static Campaign.Builder promotion() {
        return Campaign.newBuilder().setName("winter promotion " + UUID.randomUUID()).setPurpose("marketing.communications").setChannel("email")
                .setSegmentId(UUID.randomUUID().toString()).setPriority(50)
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine("Winter deals")
                        .setBody("Hello {{ profile.first_name | default: \"there\" }}, winter deals are here"))
                .addVariants(MessageVariant.newBuilder().setLocale("es").setSubjectLine("Ofertas").setBody("{{ profile.first_name }}, ofertas de invierno"))
                .addVariants(MessageVariant.newBuilder().setLocale("es").setCountry("ES").setCity("Barcelona").setSubjectLine("Ofertas")
                        .setBody("{{ profile.first_name }}, 2x1 en {{ profile.city }}"))
                .putLanguageFallbacks("ca", "es")
                .setDefaultLocale("en");
    }

    private static Struct struct(String... pairs) {
        Struct.Builder struct = Struct.newBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            struct.putFields(pairs[i], Value.newBuilder().setStringValue(pairs[i + 1]).build());
        }
        return struct.build();
    }

    private static List<BadRequest.FieldViolation> violations(StatusRuntimeException refused) {
        return StatusProto.fromThrowable(refused).getDetailsList().stream().filter(any -> any.is(BadRequest.class)).flatMap(any -> {
            try {
                return any.unpack(BadRequest.class).getFieldViolationsList().stream();
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }
}
