package dev.rapport.e2e;

import static dev.rapport.e2e.Suite.rest;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import dev.rapport.testing.ClientStreams;
import dev.rapport.testing.TestChannels;
import dev.rapport.testing.Tokens;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.restassured.path.json.JsonPath;

/**
 * A broadcast to 100,000 people (-Drapport.resilience.broadcast-recipients) while what it needs is killed -9 in turn
 * (campaign-service, profile-service, PostgreSQL, the Kafka broker), as issue #9 asks: every recipient gets exactly one
 * message. The webhook channel's provider is the
 * test's own (WebhookProvider), so what reached people is counted where they would receive it, by the message's
 * Idempotency-Key: a copy handed over again after the crash (sent, then killed before it was recorded) carries the same
 * key, so a provider delivers it once. It takes minutes: {@code make resilience} runs it, {@code make test} does not.
 */
@ExtendWith(RunningSuite.class)
@Tag(Resilience.FAULT)
class BroadcastAtScaleTest {
    private static final int PEOPLE = Integer.getInteger("rapport.resilience.broadcast-recipients", 100_000);

    @Test
    void aBroadcastToAHundredThousandReachesEachOnceThoughWhatItNeedsIsKilledInTurn() throws Exception {
        Assumptions.assumeTrue(System.getProperty("rapport.resilience.report") != null, "a broadcast this large runs in make resilience");
        String partner = Tokens.partner();
        String run = UUID.randomUUID().toString().substring(0, 8);
        String joined = "joined_" + run;
        ManagedChannel gateway = TestChannels.to(Suite.GATEWAY);
        try {
            // The people: one event each, streamed through the gateway 5,000 to a stream.
            Metadata auth = new Metadata();
            auth.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + partner);
            var events = EventsGrpc.newStub(gateway).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(auth));
            for (int from = 0; from < PEOPLE; from += 5_000) {
                List<RecordEventRequest> batch = new ArrayList<>();
                for (int i = from; i < Math.min(PEOPLE, from + 5_000); i++) {
                    batch.add(RecordEventRequest.newBuilder()
                            .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("bulk-" + run + "-" + i))
                            .setEvent(Event.newBuilder().setId(run + "-" + i).setName(joined)).build());
                }
                RecordEventsResponse stored = ClientStreams.send(events.withDeadlineAfter(2, TimeUnit.MINUTES)::recordEvents, batch)
                        .get(2, TimeUnit.MINUTES);
                assertEquals(batch.size(), stored.getRecorded(), "every person's event stored");
            }
            // The segment once segment-service holds everyone (a preview counts now; a segment is sized when computed).
            String definition = "{\"kind\": \"event\", \"event\": \"" + joined + "\"}";
            String preview = "{\"purpose\": \"essential.service\", \"definition\": " + definition + "}";
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> rest(Tokens.partner()).body(preview).post("/api/v1/segments/preview").then().statusCode(200)
                            .extract().jsonPath().getLong("members") == PEOPLE);
            String segmentId = rest(Tokens.partner()).body("{\"name\": \"everyone who " + joined + "\", \"purpose\": \"essential.service\", "
                    + "\"definition\": " + definition + "}").post("/api/v1/segments").then().statusCode(200).extract().path("id");

            // A service notice on the webhook channel: consent and caps let everyone through, so everyone must get it.
            String marketer = Tokens.person("demo-marketer");
            String campaignId = rest(marketer).body("{\"name\": \"notice " + run + "\", \"purpose\": \"essential.service.notifications\", "
                    + "\"channel\": \"webhook\", \"segmentId\": \"" + segmentId + "\", \"defaultLocale\": \"en\", \"variants\": ["
                    + "{\"locale\": \"en\", \"subjectLine\": \"Service notice\", \"body\": \"Hello {{ profile.first_name | default: 'there' }}\"}]}")
                    .post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
            long activated = System.nanoTime();
            rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + campaignId + "/status").then().statusCode(200);

            // The faults, in turn, each once the broadcast is that far: what the sender needs (itself, the profiles it reads,
            // its database, the broker it reports outcomes to) killed -9 and started again.
            List<String> injected = new ArrayList<>();
            at(campaignId, 0.15, "campaign-service", injected, () -> {
                Suite.killService("campaign-service");
                Suite.pause(1_000);
                Suite.startServices();
            });
            at(campaignId, 0.35, "profile-service", injected, () -> {
                Suite.killService("profile-service");
                Suite.pause(1_000);
                Suite.startServices();
            });
            if (Suite.postgresStartedByTheStack()) {
                at(campaignId, 0.55, "PostgreSQL", injected, () -> {
                    Suite.killPostgres();
                    Suite.pause(2_000);
                    Suite.startPostgres();
                });
            }
            if (Suite.kafkaStartedByTheStack()) {
                at(campaignId, 0.75, "the Kafka broker", injected, () -> {
                    Suite.killKafka();
                    Suite.pause(5_000);
                    Suite.startKafka();
                });
            }

            await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() -> {
                JsonPath summary = summary(campaignId);
                return summary.getInt("planned") == 0 && summary.getInt("sent") + summary.getInt("skipped") + summary.getInt("failed") == PEOPLE;
            });
            double seconds = (System.nanoTime() - activated) / 1e9;
            JsonPath summary = summary(campaignId);
            assertEquals(PEOPLE, summary.getInt("sent"), "everyone was sent the notice: " + summary.prettify());

            Map<String, List<String>> byPerson = RunningSuite.webhooks().copies(campaignId);
            assertEquals(PEOPLE, byPerson.size(), "every recipient was handed the notice");
            byPerson.forEach((person, keys) -> assertEquals(1, Set.copyOf(keys).size(), person + " got one message (one key): " + keys));
            long copies = byPerson.values().stream().mapToLong(List::size).sum();
            long again = byPerson.values().stream().filter(keys -> keys.size() > 1).count();
            System.out.printf("broadcast to %d, faults %s: %d recorded sent in %.0f s, %d people reached, %d copies, %d handed over again "
                    + "under the same key%n", PEOPLE, injected, summary.getInt("sent"), seconds, byPerson.size(), copies, again);
            Resilience.record(String.format("a %,d-recipient broadcast (webhook channel)", PEOPLE),
                    "kill -9, in turn, of " + String.join("; ", injected) + "; each started again 1–5 s later",
                    "every recipient gets the message exactly once: recorded sent once, and every copy the provider got for a person "
                            + "carries the same Idempotency-Key",
                    String.format("%,d planned, %,d recorded sent, %,d failed, %,d people reached, each under one key; %,d copies handed "
                            + "over (%,d again after a crash, same key); done %.0f s after activation (%.0f recipients/s with the faults)",
                            PEOPLE, summary.getInt("sent"), summary.getInt("failed"), byPerson.size(), copies, again, seconds, PEOPLE / seconds));
        } finally {
            TestChannels.close(gateway);
        }
    }

    /** Once the broadcast has recorded this share of its audience sent, the fault; noted with what had been sent and handed over. */
    private static void at(String campaignId, double share, String what, List<String> injected, Runnable fault) {
        await().atMost(Duration.ofMinutes(20)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                .until(() -> summary(campaignId).getInt("sent") >= share * PEOPLE);
        int sent = summary(campaignId).getInt("sent");
        int handed = RunningSuite.webhooks().copies(campaignId).size();
        fault.run();
        injected.add(String.format("%s once %,d were recorded sent (%,d handed to the provider)", what, sent, handed));
    }

    /** The broadcast's delivery summary (a fresh token each time: this outlasts one). */
    private static JsonPath summary(String campaignId) {
        return rest(Tokens.person("demo-marketer")).get("/api/v1/campaigns/" + campaignId + "/deliveries").then().statusCode(200)
                .extract().jsonPath();
    }
}
