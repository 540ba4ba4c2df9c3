package dev.rapport.bench;

import dev.rapport.testing.BenchmarkReport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;

import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.api.v1.SegmentsGrpc;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;

/**
 * The walking skeleton under load, as a partner app drives it: RecordEvent through the gateway (token checked,
 * gRPC to profile-service, PostgreSQL commit, Kafka acknowledgement) at one and at many requests in flight, and how
 * long a recorded event takes to reach segment-service.
 */
public final class WalkingSkeletonBench {
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("rapport.bench.warmup", 30));
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("rapport.bench.seconds", 30));

    record Run(int inFlight, long calls, long errors, double seconds, long[] latenciesNanos) {
        double throughput() {
            return calls / seconds;
        }

        double percentileMillis(double p) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            int index = (int) Math.ceil(p / 100.0 * latenciesNanos.length) - 1;
            return latenciesNanos[Math.max(0, Math.min(index, latenciesNanos.length - 1))] / 1e6;
        }
    }

    public static void main(String[] args) throws Exception {
        Path report = Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md");
        ClientInterceptor asPartner = Report.asPartner();
        ManagedChannel channel = Report.gateway();
        try {
            var events = EventsGrpc.newFutureStub(channel).withInterceptors(asPartner);
            var segments = SegmentsGrpc.newBlockingStub(channel).withInterceptors(asPartner);

            System.out.println("warming up for " + WARMUP.toSeconds() + " s");
            load(events, 16, WARMUP);
            Run single = load(events, 1, MEASURE);
            print(single);
            Run many = load(events, 32, MEASURE);
            print(many);
            long[] visibility = visibility(events, segments, 50);
            System.out.printf(Locale.ROOT, "recorded -> visible in segment-service: p50 %.1f ms, max %.1f ms%n",
                    visibility[visibility.length / 2] / 1e6, visibility[visibility.length - 1] / 1e6);
            write(report, single, many, visibility);
            System.out.println("figures written to " + report);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Run load(EventsGrpc.EventsFutureStub events, int inFlight, Duration duration) throws InterruptedException {
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong errors = new AtomicLong();
        long[] latencies = new long[4_000_000];
        AtomicLong count = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        while (System.nanoTime() < end) {
            slots.acquire();
            long sent = System.nanoTime();
            var call = events.withDeadlineAfter(10, TimeUnit.SECONDS).recordEvent(request("bench-" + (sent % 10_000)));
            Futures.addCallback(call, new FutureCallback<RecordEventResponse>() {
                @Override
                public void onSuccess(RecordEventResponse result) {
                    long i = count.getAndIncrement();
                    if (i < latencies.length) {
                        latencies[(int) i] = System.nanoTime() - sent;
                    }
                    slots.release();
                }

                @Override
                public void onFailure(Throwable t) {
                    errors.incrementAndGet();
                    slots.release();
                }
            }, MoreExecutors.directExecutor());
        }
        slots.acquire(inFlight); // wait for the calls still in flight
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] measured = Arrays.copyOf(latencies, (int) Math.min(count.get(), latencies.length));
        Arrays.sort(measured);
        return new Run(inFlight, count.get(), errors.get(), seconds, measured);
    }

    /** How long after RecordEvent returns the event is counted by segment-service (through Kafka). */
    private static long[] visibility(EventsGrpc.EventsFutureStub events, SegmentsGrpc.SegmentsBlockingStub segments, int samples)
            throws Exception {
        long[] delays = new long[samples];
        for (int i = 0; i < samples; i++) {
            RecordEventResponse recorded = events.recordEvent(request("visibility-" + UUID.randomUUID())).get(10, TimeUnit.SECONDS);
            long acknowledged = System.nanoTime();
            GetEngagementRequest query = GetEngagementRequest.newBuilder().setProfileId(recorded.getProfileId()).build();
            while (true) {
                try {
                    if (segments.withDeadlineAfter(5, TimeUnit.SECONDS).getEngagement(query).getEventCount() >= 1) {
                        break;
                    }
                } catch (io.grpc.StatusRuntimeException notYet) {
                    // NOT_FOUND until segment-service has consumed the event
                }
                if (System.nanoTime() - acknowledged > TimeUnit.SECONDS.toNanos(30)) {
                    throw new IllegalStateException("event not visible in segment-service after 30 s");
                }
                Thread.sleep(2);
            }
            delays[i] = System.nanoTime() - acknowledged;
        }
        Arrays.sort(delays);
        return delays;
    }

    private static RecordEventRequest request(String customer) {
        return RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue(customer))
                .setEvent(Event.newBuilder().setId(UUID.randomUUID().toString()).setName("product_viewed"))
                .build();
    }

    private static void print(Run run) {
        System.out.printf(Locale.ROOT, "%d in flight: %.0f events/s, p50 %.2f ms, p99 %.2f ms, %d errors%n",
                run.inFlight(), run.throughput(), run.percentileMillis(50), run.percentileMillis(99), run.errors());
    }

    private static void write(Path report, Run single, Run many, long[] visibility) throws IOException {
        String section = String.format(Locale.ROOT, """
                ## Walking skeleton: RecordEvent through the gateway

                Measured %s on %s.
                Command: `make bench` (load driver `bench/…/WalkingSkeletonBench`, %d s warm-up, %d s per run).
                Path: partner token check at the gateway → gRPC to profile-service → PostgreSQL commit → Kafka
                acknowledgement (acks=all) → answer; each event a new id, 10,000 distinct customers.

                | requests in flight | events/s | p50 ms | p95 ms | p99 ms | max ms | errors |
                |---:|---:|---:|---:|---:|---:|---:|
                %s
                %s

                Recorded → counted by segment-service (via `profile.events`), %d samples: p50 %.1f ms, p95 %.1f ms, max %.1f ms.
                """, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC",
                BenchmarkReport.machine(), WARMUP.toSeconds(), MEASURE.toSeconds(), row(single), row(many), visibility.length,
                visibility[visibility.length / 2] / 1e6, visibility[(int) (visibility.length * 0.95)] / 1e6,
                visibility[visibility.length - 1] / 1e6);
        BenchmarkReport.replaceSection(report, "walking-skeleton", section);
    }

    private static String row(Run run) {
        return String.format(Locale.ROOT, "| %d | %.0f | %.2f | %.2f | %.2f | %.2f | %d |", run.inFlight(), run.throughput(),
                run.percentileMillis(50), run.percentileMillis(95), run.percentileMillis(99), run.percentileMillis(100), run.errors());
    }
}
