package dev.rapport.campaign.content;

import static dev.rapport.campaign.ProfileStandIn.emailOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.sun.net.httpserver.HttpServer;

import dev.rapport.campaign.ProfileStandIn;
import dev.rapport.campaign.delivery.Broadcasts;
import dev.rapport.campaign.journey.Journeys;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.CampaignServiceGrpc;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.ConnectedContent;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.PreviewMessageRequest;
import dev.rapport.proto.campaign.v1.SendMessage;
import dev.rapport.proto.campaign.v1.TriggerCampaignRequest;
import dev.rapport.testing.PostgresAndKafka;
import dev.rapport.testing.TestChannels;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.mailer.MockMailbox;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Connected content against a real HTTP source on this machine (tests allow 127.0.0.1): fetched at send time into each
 * person's message, with only what the purpose may reveal in the URL; one answer shared by everyone with the same URL;
 * a source that fails skips the person with why, or gives way to the stated default after its timeout.
 */
@QuarkusTest
@WithTestResource(PostgresAndKafka.class)
@WithTestResource(ProfileStandIn.class)
class ConnectedContentTest {
    @Inject
    Journeys journeys;
    @Inject
    Broadcasts broadcasts;
    @Inject
    MockMailbox mailbox;

    /** Opened when profile-service may answer (ProfileStandIn). */
    ProfileStandIn.Gate profileServiceAnswers;

    private HttpServer source;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private ManagedChannel channel;
    private CampaignServiceGrpc.CampaignServiceBlockingStub campaigns;

    @BeforeEach
    void start() throws IOException {
        profileServiceAnswers.open();
        channel = TestChannels.toServiceUnderTest();
        campaigns = CampaignServiceGrpc.newBlockingStub(channel);
        source = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        source.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            hits.computeIfAbsent(path.replaceAll("^/recs/.*", "/recs"), p -> new AtomicInteger()).incrementAndGet();
            asked.add(exchange.getRequestURI().toString());
            byte[] body;
            int status = 200;
            if (path.startsWith("/recs/")) {
                body = "{\"dish\": \"japchae\", \"price\": 11.5}".getBytes(StandardCharsets.UTF_8);
            } else if (path.equals("/weather")) {
                body = "{\"today\": \"sunny\"}".getBytes(StandardCharsets.UTF_8);
            } else if (path.equals("/down")) {
                status = 503;
                body = "{}".getBytes(StandardCharsets.UTF_8);
            } else if (path.equals("/huge")) {
                body = ("\"" + "x".repeat(70_000) + "\"").getBytes(StandardCharsets.UTF_8);
            } else {
                try {
                    Thread.sleep(3_000); // /slow
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                body = "{}".getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        source.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        source.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        source.stop(0);
        TestChannels.close(channel);
    }

    @Test
    void eachPersonsMessageGetsTheAnswerTheURLOnlyCarriesWhatThePurposeMayRevealAndASharedAnswerIsFetchedOnce() {
        String here = "http://127.0.0.1:" + source.getAddress().getPort();
        String id = activated("Today: {{ content.recs.dish }} ({{ content.weather.today }})",
                source("recs", here + "/recs/{{ profile.id }}?email={{ profile.email }}"), source("weather", here + "/weather"));
        List<UUID> people = List.of(UUID.randomUUID(), UUID.randomUUID());
        people.forEach(person -> trigger(id, person));
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> people.stream().allMatch(p -> !mailbox.getMailsSentTo(emailOf(p.toString())).isEmpty()));

        for (UUID person : people) {
            assertEquals(List.of("Today: japchae (sunny)"), mailbox.getMailsSentTo(emailOf(person.toString())).stream().map(m -> m.getSubject()).toList());
            // the person's id, and not their email address: contact details are not marketing's to send out
            assertTrue(asked.contains("/recs/" + person + "?email="), asked.toString());
        }
        assertEquals(2, hits.get("/recs").get(), "one per person");
        assertEquals(1, hits.get("/weather").get(), "the same URL for everyone: fetched once, kept for its time to live");
    }

    @Test
    void aFailingSourceSkipsThePersonWithWhyOrGivesWayToItsDefaultAndAnAnswerTooLargeIsRefused() {
        String here = "http://127.0.0.1:" + source.getAddress().getPort();
        String skipping = activated("In stock: {{ content.stock }}", source("stock", here + "/down").toBuilder().setRetries(1).build());
        String defaulting = activated("Try {{ content.recs.dish }}", source("recs", here + "/slow").toBuilder()
                .setTimeout(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000))
                .setOnFailure(ConnectedContent.Fallback.USE_DEFAULT)
                .setDefaultValue(Value.newBuilder().setStructValue(Struct.newBuilder()
                        .putFields("dish", Value.newBuilder().setStringValue("bibimbap").build()))).build());
        String tooLarge = activated("{{ content.menu }}", source("menu", here + "/huge"));
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        UUID third = UUID.randomUUID();
        trigger(skipping, first);
        trigger(defaulting, second);
        trigger(tooLarge, third);
        dev.rapport.campaign.Sending.until(journeys, broadcasts, () -> summary(skipping).getSkipped() == 1 && !mailbox.getMailsSentTo(emailOf(second.toString())).isEmpty()
                && summary(tooLarge).getSkipped() == 1);

        assertEquals(Map.of("connected content stock unavailable (it answered 503)", 1L), summary(skipping).getReasonsMap());
        assertEquals(2, hits.get("/down").get(), "tried, and retried once");
        assertEquals(0, mailbox.getMailsSentTo(emailOf(first.toString())).size());
        assertEquals(List.of("Try bibimbap"), mailbox.getMailsSentTo(emailOf(second.toString())).stream().map(m -> m.getSubject()).toList());
        assertEquals(Map.of("connected content menu unavailable (its answer is over 65536 bytes)", 1L), summary(tooLarge).getReasonsMap());
    }

    @Test
    void aHostNotAllowedCannotBeActivatedABadSourceIsRefusedOnSaveAndAPreviewFetchesNothing() {
        Campaign elsewhere = campaign("{{ content.recs }}", source("recs", "https://recs.example.com/v1/{{ profile.id }}"));
        Campaign saved = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(elsewhere).build());
        StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> campaigns.changeCampaignStatus(
                ChangeCampaignStatusRequest.newBuilder().setCampaignId(saved.getId()).setStatus(Campaign.Status.ACTIVE).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertTrue(refused.getStatus().getDescription().contains("recs.example.com"), refused.getStatus().getDescription());

        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () -> campaigns.createCampaign(CreateCampaignRequest.newBuilder()
                .setCampaign(campaign("x", source("Recs", "https://{{ profile.host }}/x"), source("b", "http://127.0.0.1/{% if %}").toBuilder()
                        .setRetries(9).setOnFailure(ConnectedContent.Fallback.USE_DEFAULT).build())).build()));
        assertEquals(List.of("campaign.connected_content[0].name", "campaign.connected_content[0].url", "campaign.connected_content[1].url",
                "campaign.connected_content[1].retries", "campaign.connected_content[1].default_value"),
                dev.rapport.testing.GrpcFailures.badRequestFields(bad));

        var preview = campaigns.previewMessage(PreviewMessageRequest.newBuilder().setCampaignId(saved.getId())
                .setContent(Struct.newBuilder().putFields("recs", Value.newBuilder().setStringValue("kimchi stew").build())).build());
        assertEquals("kimchi stew", preview.getBody());
    }

    private static ConnectedContent source(String name, String url) {
        return ConnectedContent.newBuilder().setName(name).setUrl(url).setCacheTtl(com.google.protobuf.Duration.newBuilder().setSeconds(60)).build();
    }

    private static Campaign campaign(String subject, ConnectedContent... sources) {
        return Campaign.newBuilder().setName("connected " + UUID.randomUUID()).setPurpose("essential.service.notifications").setChannel("email")
                .setDefaultLocale("en").addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine(subject).setBody(subject))
                .addAllConnectedContent(List.of(sources))
                .setJourney(Journey.newBuilder().setApiTrigger(true).addSteps(JourneyStep.newBuilder().setSendMessage(SendMessage.getDefaultInstance())))
                .build();
    }

    private String activated(String subject, ConnectedContent... sources) {
        Campaign created = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(campaign(subject, sources)).build());
        campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(created.getId()).setStatus(Campaign.Status.ACTIVE).build());
        return created.getId();
    }

    private void trigger(String campaign, UUID person) {
        assertTrue(campaigns.triggerCampaign(TriggerCampaignRequest.newBuilder().setCampaignId(campaign).setProfileId(person.toString())
                .setTriggerId("t-" + person).build()).getEntered());
    }

    private dev.rapport.proto.campaign.v1.DeliverySummary summary(String campaign) {
        return campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(campaign).build());
    }
}
