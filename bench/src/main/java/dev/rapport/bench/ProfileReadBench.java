package dev.rapport.bench;

import dev.rapport.testing.BenchmarkReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;

import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.api.v1.ProfilesGrpc;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.testing.ClientStreams;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;

/**
 * Profile reads by identifier through the gateway at a fixed rate (issue #3: p99 under 5 ms at 2,000 reads/s), then
 * the same reads straight to profile-service, so that the gateway's own share shows (issue #7: p50 1 ms, p99 3 ms
 * added). Open loop: requests leave on schedule whatever the answers do, and latency counts from the scheduled time,
 * so a stall shows in the figures instead of slowing the load.
 */
public final class ProfileReadBench {
    /** The target rate first, then lower ones that show the latency of a suite that is not saturated. */
    private static final List<Integer> RATES = java.util.Arrays.stream(System.getProperty("rapport.bench.reads-per-second", "2000,1000,250")
            .split(",")).map(String::strip).map(Integer::valueOf).toList();
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("rapport.bench.seconds", 30));
    private static final int PROFILES = 2000;

    public static void main(String[] args) throws Exception {
        Path report = Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md");
        ClientInterceptor asPartner = Report.asPartner();
        ManagedChannel channel = Report.gateway();
        ManagedChannel profileService = io.grpc.ManagedChannelBuilder.forTarget(System.getProperty("rapport.profile-service", "127.0.0.1:9081"))
                .usePlaintext().build();
        try {
            String run = UUID.randomUUID().toString().substring(0, 8);
            List<RecordEventRequest> seed = new ArrayList<>();
            for (int i = 0; i < PROFILES; i++) {
                seed.add(RecordEventRequest.newBuilder().setIdentifier(customer(run, i))
                        .setEvent(Event.newBuilder().setName("signed_up")).build());
            }
            ClientStreams.send(EventsGrpc.newStub(channel).withInterceptors(asPartner)::recordEvents, seed)
                    .get(120, TimeUnit.SECONDS);
            var profiles = ProfilesGrpc.newFutureStub(channel).withInterceptors(asPartner);
            var direct = dev.rapport.proto.profile.v1.ProfileServiceGrpc.newFutureStub(profileService);
            List<long[]> results = new ArrayList<>();
            List<long[]> directResults = new ArrayList<>();
            for (int rate : RATES) {
                System.out.println("warming up at " + rate + " reads/s");
                read(request -> profiles.withDeadlineAfter(5, TimeUnit.SECONDS).getProfile(request), run, rate, Duration.ofSeconds(15));
                results.add(read(request -> profiles.withDeadlineAfter(5, TimeUnit.SECONDS).getProfile(request), run, rate, MEASURE));
                Thread.sleep(5_000); // let a saturated suite drain before the next rate
                System.out.println("straight to profile-service at " + rate + " reads/s");
                read(request -> direct.withDeadlineAfter(5, TimeUnit.SECONDS).getProfile(request), run, rate, Duration.ofSeconds(15));
                directResults.add(read(request -> direct.withDeadlineAfter(5, TimeUnit.SECONDS).getProfile(request), run, rate, MEASURE));
                Thread.sleep(5_000);
            }
            write(report, results, directResults);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            profileService.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Latencies in ns (sorted), then as the last two items: errors, and reads answered per second ×1000. */
    private static long[] read(java.util.function.Function<GetProfileRequest, com.google.common.util.concurrent.ListenableFuture<Profile>> profiles,
            String run, int rate, Duration duration) throws InterruptedException {
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        int total = (int) (duration.toSeconds() * rate);
        long[] latencies = new long[total];
        AtomicInteger answered = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        for (int k = 0; k < total; k++) {
            long scheduled = start + k * interval;
            Pacing.awaitTick(scheduled);
            int slot = k;
            var call = profiles.apply(GetProfileRequest.newBuilder()
                    .setIdentifier(customer(run, ThreadLocalRandom.current().nextInt(PROFILES))).build());
            Futures.addCallback(call, new FutureCallback<Profile>() {
                @Override
                public void onSuccess(Profile profile) {
                    latencies[slot] = System.nanoTime() - scheduled;
                    answered.incrementAndGet();
                }

                @Override
                public void onFailure(Throwable t) {
                    latencies[slot] = Long.MAX_VALUE;
                    errors.incrementAndGet();
                    answered.incrementAndGet();
                }
            }, MoreExecutors.directExecutor());
        }
        while (answered.get() < total && System.nanoTime() - start < duration.toNanos() + TimeUnit.SECONDS.toNanos(10)) {
            Thread.sleep(10);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] ok = Arrays.stream(latencies).filter(l -> l > 0 && l != Long.MAX_VALUE).sorted().toArray();
        long[] out = Arrays.copyOf(ok, ok.length + 2);
        out[ok.length] = errors.get() + (total - answered.get());
        out[ok.length + 1] = Math.round(ok.length / seconds * 1000);
        return out;
    }

    private static Identifier customer(String run, int i) {
        return Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("reader-" + run + "-" + i).build();
    }

    private static double percentile(long[] sorted, int count, double p) {
        return sorted[Math.max(0, Math.min(count - 1, (int) Math.ceil(p / 100 * count) - 1))] / 1e6;
    }

    private static String row(int offered, long[] result) {
        int count = result.length - 2;
        long errors = result[count];
        double rate = result[count + 1] / 1000.0;
        System.out.printf(Locale.ROOT, "reads by identifier at %d/s: answered %.0f/s, p50 %.2f ms, p99 %.2f ms, %d errors%n",
                offered, rate, percentile(result, count, 50), percentile(result, count, 99), errors);
        return count == 0 ? String.format(Locale.ROOT, "| %,d | 0 | – | – | – | – | %d |", offered, errors)
                : String.format(Locale.ROOT, "| %,d | %,.0f | %.2f | %.2f | %.2f | %.2f | %d |", offered, rate, percentile(result, count, 50),
                        percentile(result, count, 95), percentile(result, count, 99), percentile(result, count, 100), errors);
    }

    private static void write(Path report, List<long[]> results, List<long[]> directResults) throws java.io.IOException {
        List<String> rows = new ArrayList<>();
        List<String> added = new ArrayList<>();
        for (int i = 0; i < RATES.size(); i++) {
            rows.add(row(RATES.get(i), results.get(i)));
            long[] through = results.get(i);
            long[] direct = directResults.get(i);
            int n = through.length - 2;
            int m = direct.length - 2;
            String directFigures = m == 0 ? "– (" + direct[m] + " errors) | –"
                    : String.format(Locale.ROOT, "%.2f | %.2f", percentile(direct, m, 50), percentile(direct, m, 99));
            String gatewayFigures = n == 0 ? "– (" + through[n] + " errors) | –"
                    : String.format(Locale.ROOT, "%.2f | %.2f", percentile(through, n, 50), percentile(through, n, 99));
            String addedFigures = n == 0 || m == 0 ? "– | –" : String.format(Locale.ROOT, "**%.2f** | **%.2f**",
                    percentile(through, n, 50) - percentile(direct, m, 50), percentile(through, n, 99) - percentile(direct, m, 99));
            added.add(String.format(Locale.ROOT, "| %,d | %s | %s | %s |", RATES.get(i), directFigures, gatewayFigures, addedFigures));
        }
        BenchmarkReport.replaceSection(report, "profile-read", String.format(Locale.ROOT, """
                ## Profile read by identifier through the gateway

                Measured %s on %s.
                Command: `make bench` (load driver `bench/…/ProfileReadBench`, open loop at each rate below, 15 s warm-up,
                %d s measured, latency counted from each request's scheduled time, 5 s deadline; %,d profiles, random
                external ids).
                Path: token check at the gateway → gRPC GetProfile(identifier) to profile-service → one query (profile,
                identifiers, attributes and every computed trait) → answer; the gateway writes an audit record for every read.

                | offered reads/s | answered reads/s | p50 ms | p95 ms | p99 ms | max ms | errors |
                |---:|---:|---:|---:|---:|---:|---:|
                %s

                Target in issue #3: p99 under 5 ms at 2,000 reads/s.

                What the gateway adds: the same reads, same rates and profiles, straight to profile-service's gRPC port
                (no token, no audit, no consent decision, no rate limit), measured right after each gateway run. Both runs
                share the machine with the whole suite, so the difference is the gateway's cost including its share of
                the two cores.

                | offered reads/s | direct p50 ms | direct p99 ms | gateway p50 ms | gateway p99 ms | added p50 ms | added p99 ms |
                |---:|---:|---:|---:|---:|---:|---:|
                %s

                Targets in issue #7: 1 ms added at p50 and 3 ms at p99, at 2,000 requests/s.
                """, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC",
                BenchmarkReport.machine(), MEASURE.toSeconds(), PROFILES, String.join("\n", rows), String.join("\n", added)));
    }
}
