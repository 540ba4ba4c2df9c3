package dev.rapport.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import dev.rapport.testing.BenchmarkReport;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.api.v1.CampaignsGrpc;
import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.api.v1.ProfilesGrpc;
import dev.rapport.proto.api.v1.SegmentsGrpc;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.campaign.v1.DeliverySummary;
import dev.rapport.proto.campaign.v1.GetDeliverySummaryRequest;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.PreviewSegmentRequest;
import dev.rapport.demo.DemoBrand;
import dev.rapport.testing.ClientStreams;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;

/**
 * A personalised broadcast through the real sender (issue #5): N people with names, languages, cities and email
 * addresses, a segment of them, and a campaign with Liquid, language and city variants activated; measured from the
 * activation until every recipient has an outcome — drawing the audience from segment-service, then for each person
 * the profile read, the consent and hold checks, the render and the SMTP hand-off to the local mail server, each
 * outcome recorded. Transactional, so consent and caps pass for everyone and every recipient is really sent.
 */
public final class CampaignBench {
    private static final int RECIPIENTS = Integer.getInteger("rapport.bench.campaign-recipients", 10_000);
    /** Recipient i is the demo brand's customer i (seed 42, as `make run` loads them), under an id of this run. */
    private static final DemoBrand BRAND = new DemoBrand(42, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.DAYS));

    public static void main(String[] args) throws Exception {
        Path report = Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md");
        ClientInterceptor partner = Report.asPartner();
        ClientInterceptor marketer = Report.asMarketer();
        ManagedChannel channel = Report.gateway();
        try {
            String run = UUID.randomUUID().toString().substring(0, 8);
            String cohort = "bench-" + run;
            System.out.println("creating " + RECIPIENTS + " people");
            List<RecordEventRequest> seed = new ArrayList<>();
            for (int i = 0; i < RECIPIENTS; i++) {
                seed.add(RecordEventRequest.newBuilder().setIdentifier(person(run, i)).setEvent(Event.newBuilder().setName("signed_up")).build());
            }
            ClientStreams.send(EventsGrpc.newStub(channel).withInterceptors(partner)::recordEvents, seed).get(600, TimeUnit.SECONDS);
            var profiles = ProfilesGrpc.newFutureStub(channel).withInterceptors(partner);
            Semaphore inFlight = new Semaphore(64);
            AtomicLong failed = new AtomicLong();
            for (int i = 0; i < RECIPIENTS; i++) {
                Map<String, Object> who = BRAND.customer(i + 1).attributes();
                inFlight.acquire();
                var call = profiles.withDeadlineAfter(30, TimeUnit.SECONDS).updateAttributes(UpdateAttributesRequest.newBuilder()
                        .setIdentifier(person(run, i)).setSource("bench")
                        .putAttributes("first_name", text((String) who.get("first_name"))).putAttributes("language", text((String) who.get("language")))
                        .putAttributes("city", text((String) who.get("city"))).putAttributes("country", text((String) who.get("country")))
                        .putAttributes("region", text(cohort)).putAttributes("email", text("bench-" + run + "-" + i + "@example.com")).build());
                Futures.addCallback(call, new FutureCallback<>() {
                    @Override
                    public void onSuccess(dev.rapport.proto.profile.v1.Profile profile) {
                        inFlight.release();
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        failed.incrementAndGet();
                        inFlight.release();
                    }
                }, MoreExecutors.directExecutor());
            }
            inFlight.acquire(64);
            if (failed.get() > 0) {
                throw new IllegalStateException(failed.get() + " people could not be given their attributes");
            }
            var segments = SegmentsGrpc.newBlockingStub(channel).withInterceptors(marketer);
            Struct.Builder definition = Struct.newBuilder();
            JsonFormat.parser().merge("{\"kind\": \"attribute\", \"attribute\": \"region\", \"operator\": \"eq\", \"value\": \"" + cohort + "\"}",
                    definition);
            // The segment is made once segment-service holds every person's attributes (a preview counts them now; a
            // segment's size is measured when it is computed), so its audience is everyone.
            long members = 0;
            for (int wait = 0; wait < 120 && members < RECIPIENTS; wait++) {
                members = segments.withDeadlineAfter(1, TimeUnit.MINUTES).previewSegment(PreviewSegmentRequest.newBuilder()
                        .setPurpose("essential.service").setDefinition(definition).build()).getMembers();
                if (members < RECIPIENTS) {
                    Thread.sleep(1000);
                }
            }
            String segment = segments.withDeadlineAfter(5, TimeUnit.MINUTES).createSegment(CreateSegmentRequest.newBuilder()
                    .setName("campaign bench " + run).setPurpose("essential.service").setDefinition(definition).build()).getId();
            System.out.println("segment of " + members + " members");

            var campaigns = CampaignsGrpc.newBlockingStub(channel).withInterceptors(marketer);
            Campaign.Builder campaign = Campaign.newBuilder();
            JsonFormat.parser().merge("""
                    {"name": "bench RUN", "purpose": "essential.service.notifications", "channel": "email", "segmentId": "SEGMENT", "priority": 50,
                     "defaultLocale": "en", "languageFallbacks": {"ca": "es"}, "variants": [
                       {"locale": "en", "subjectLine": "Your order, {{ profile.first_name | default: 'there' }}",
                        "body": "Hello {{ profile.first_name }},\\n{% if profile.city %}Delivering in {{ profile.city }}.{% endif %}\\nMealtide"},
                       {"locale": "en", "country": "GB", "city": "London", "subjectLine": "Your London order, {{ profile.first_name }}",
                        "body": "Hello {{ profile.first_name }}, inside the North Circular today."},
                       {"locale": "es", "subjectLine": "Tu pedido, {{ profile.first_name }}", "body": "Hola {{ profile.first_name }}."},
                       {"locale": "ko", "subjectLine": "{{ profile.first_name }}님, 주문하신 음식", "body": "{{ profile.first_name }}님, 안녕하세요."}]}
                    """.replace("RUN", run).replace("SEGMENT", segment), campaign); // (the templates hold % signs)
            String id = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(campaign).build()).getId();
            long start = System.nanoTime();
            campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(id).setStatus(Campaign.Status.ACTIVE).build());
            long drawn = 0;
            DeliverySummary summary;
            while (true) {
                Thread.sleep(500);
                summary = campaigns.getDeliverySummary(GetDeliverySummaryRequest.newBuilder().setCampaignId(id).build());
                if (summary.getAudienceDrawn() && drawn == 0) {
                    drawn = System.nanoTime();
                }
                if (summary.getAudienceDrawn() && summary.getPlanned() == 0) {
                    break;
                }
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(30)) {
                    throw new IllegalStateException("not done in 30 minutes: " + summary);
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double drawing = (drawn - start) / 1e9;
            long outcomes = summary.getSent() + summary.getSkipped() + summary.getFailed();
            double rate = outcomes / seconds;
            System.out.printf(Locale.ROOT, "%d recipients: %d sent, %d skipped, %d failed in %.1f s (audience drawn in %.1f s): %.0f recipients/s%n",
                    outcomes, summary.getSent(), summary.getSkipped(), summary.getFailed(), seconds, drawing, rate);
            write(report, outcomes, summary, seconds, drawing, rate);
            purgeMail();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** The local mail server keeps every message in memory: the benchmark's are let go once counted. */
    private static void purgeMail() throws IOException, InterruptedException {
        var response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(System.getProperty("rapport.bench.mail-api", "http://127.0.0.1:8025") + "/api/mail/purge"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        System.out.println("local mail server purged: HTTP " + response.statusCode());
    }

    private static Identifier person(String run, int i) {
        return Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("recipient-" + run + "-" + i).build();
    }

    private static Value text(String value) {
        return Value.newBuilder().setStringValue(value).build();
    }

    private static void write(Path report, long outcomes, DeliverySummary summary, double seconds, double drawing, double rate)
            throws java.io.IOException {
        BenchmarkReport.replaceSection(report, "campaign-broadcast", String.format(Locale.ROOT, """
                ## Campaigns: a personalised broadcast through the real sender

                Measured %s on %s.
                Command: `make bench` (driver `bench/…/CampaignBench`, -Drapport.bench.campaign-recipients=%d): people created
                through the gateway with the names, languages and cities of the demo brand's first customers (`DemoBrand`) and
                email addresses of their own; a segment of them; a transactional
                email campaign with Liquid and language and city variants, activated; timed from the activation until every
                recipient has an outcome. Path per recipient: claim (lease) → GetProfile from profile-service → consent,
                support hold, send time → render → frequency caps under the person's lock → SMTP hand-off to the local
                GreenMail (`make run`'s mail part) → outcome recorded in the same transaction; outcomes published on
                campaign.deliveries.

                | recipients | sent | skipped | failed | audience drawn (s) | all done (s) | recipients/s |
                |---:|---:|---:|---:|---:|---:|---:|
                | %,d | %,d | %,d | %,d | %.1f | %.1f | **%,.0f** |

                Target in issue #5: a 1,000,000-recipient personalised broadcast at 20,000 recipients/s or more, handed to a
                channel sink. Not reached. Sampled with `top` while a 10,000 broadcast was sending (2026-11-25, parsed templates
                kept per thread): campaign-service about 55 %% of a core, the local GreenMail 40 %%, profile-service 18 %%,
                PostgreSQL 22 %% — the two cores are shared with the real SMTP server, which alone would cap this path near
                800/s. Each recipient also costs a gRPC profile read and a PostgreSQL transaction of its own, 16 per round
                with 8 in flight; batching the reads, the claims and the records is the way further.
                """, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC",
                BenchmarkReport.machine(), RECIPIENTS, outcomes, summary.getSent(), summary.getSkipped(), summary.getFailed(), drawing, seconds,
                rate));
    }
}
