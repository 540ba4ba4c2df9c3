package dev.rapport.bench;

import dev.rapport.testing.BenchmarkReport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;

import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.api.v1.ProfilesGrpc;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.testing.ClientStreams;
import io.grpc.ManagedChannel;

/**
 * The soak issue #9 asks for: the running suite ({@code make run}) held at half of its measured capacity for a long
 * time (30 minutes unless -Drapport.soak.minutes says otherwise), to show that memory stays flat and errors stay at
 * zero. Capacity is measured first, in the same run: events streamed through the gateway at saturation. Then, minute
 * after minute, events at half that rate over client streams of 10 s each (each with a fresh token), beside profile reads through the gateway of people the soak created. Every few minutes each service is made to
 * collect its garbage (jcmd GC.run) and its heap, resident memory, threads and open files are read; the consumers' lag
 * on Kafka is read each minute. Written into RESILIENCE.md (section "soak").
 */
public final class Soak {
    private static final int MINUTES = Integer.getInteger("rapport.soak.minutes", 30);
    private static final int SAMPLE_EVERY_MINUTES = Integer.getInteger("rapport.soak.sample-minutes", 5);
    private static final int READS_PER_SECOND = Integer.getInteger("rapport.soak.reads", 100);
    private static final int STREAMS = 4;
    private static final int STREAM_SECONDS = 10;
    private static final int PEOPLE = 10_000;
    /** The services and their HTTP ports, in the order of the report. */
    private static final Map<String, Integer> SERVICES = new LinkedHashMap<>();

    static {
        List.of("gateway", "profile-service", "segment-service", "campaign-service", "chatbot-service")
                .forEach(service -> SERVICES.put(service, 8080 + SERVICES.size()));
    }
    private static final Path PIDS = Path.of(System.getProperty("rapport.soak.pids", ".run/pids"));
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** One minute of load: what was offered and what came back. */
    record Minute(int minute, long events, long acknowledged, long eventErrors, double ackP99Ms, long reads, long readErrors,
            double readP99Ms, long lag) {
    }

    /** One service's memory after a collection, and what else leaks: threads and open files. */
    record Memory(int minute, String service, long heapMb, long rssMb, long threads, long openFiles) {
    }

    public static void main(String[] args) throws Exception {
        Path report = Path.of(args.length > 0 ? args[0] : "RESILIENCE.md");
        ManagedChannel channel = Report.gateway();
        try {
            var partner = Report.asPartner();
            var events = EventsGrpc.newStub(channel).withInterceptors(partner);
            var profiles = ProfilesGrpc.newFutureStub(channel).withInterceptors(partner);
            String run = UUID.randomUUID().toString().substring(0, 8);
            List<RecordEventRequest> seed = new ArrayList<>();
            for (int i = 0; i < PEOPLE; i++) {
                seed.add(RecordEventRequest.newBuilder().setIdentifier(person(run, i)).setEvent(Event.newBuilder()
                        .setId(UUID.randomUUID().toString()).setName("signed_up")).build());
            }
            ClientStreams.send(events.withDeadlineAfter(5, TimeUnit.MINUTES)::recordEvents, seed).get(5, TimeUnit.MINUTES);
            System.out.println("measuring capacity (15 s warm-up, 30 s measured)");
            StreamingIngestionBench.saturate(events, STREAMS, 2_000, i -> event(run), Duration.ofSeconds(15));
            double capacity = StreamingIngestionBench.saturate(events, STREAMS, 2_000, i -> event(run), Duration.ofSeconds(30));
            double rate = capacity / 2;
            System.out.printf(Locale.ROOT, "capacity %.0f events/s: soaking at %.0f events/s and %d reads/s for %d minutes%n", capacity,
                    rate, READS_PER_SECOND, MINUTES);
            Instant started = Instant.now();
            List<Minute> minutes = new ArrayList<>();
            List<Memory> memory = new ArrayList<>(sample(0));
            for (int m = 1; m <= MINUTES; m++) {
                CompletableFuture<long[]> reading = CompletableFuture.supplyAsync(() -> read(profiles, run, Duration.ofMinutes(1)), Workers.OWN_THREADS);
                long[] sent = new long[1];
                ConcurrentLinkedQueue<Long> acks = new ConcurrentLinkedQueue<>();
                long errors = ingest(events, run, rate, Duration.ofMinutes(1), sent, acks);
                long[] reads = reading.get(2, TimeUnit.MINUTES);
                long[] ackSorted = acks.stream().mapToLong(Long::longValue).sorted().toArray();
                long[] readSorted = java.util.Arrays.copyOfRange(reads, 2, reads.length);
                java.util.Arrays.sort(readSorted);
                Minute minute = new Minute(m, sent[0], sent[0] - errors, errors, p99(ackSorted), readSorted.length + reads[1], reads[1],
                        p99(readSorted), ConsumerLag.total());
                minutes.add(minute);
                System.out.println(minute);
                if (m % SAMPLE_EVERY_MINUTES == 0 || m == MINUTES) {
                    List<Memory> sampled = sample(m);
                    sampled.forEach(System.out::println);
                    memory.addAll(sampled);
                }
            }
            write(report, started, capacity, rate, minutes, memory);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private static Identifier person(String run, int i) {
        return Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue("soak-" + run + "-" + i).build();
    }

    private static RecordEventRequest event(String run) {
        return RecordEventRequest.newBuilder().setIdentifier(person(run, ThreadLocalRandom.current().nextInt(PEOPLE)))
                .setEvent(Event.newBuilder().setId(UUID.randomUUID().toString()).setName("screen_viewed")).build();
    }

    /**
     * Open loop at {@code rate} over client streams ({@code RecordEvents}, the path whose capacity was measured), each
     * STREAM_SECONDS long: events are sent when due and a stream closes when its time is up. A stream's latency runs
     * from when its last event was due to its answer. Answers the errors: events not acknowledged (a stream that failed
     * counts all its events).
     */
    private static long ingest(EventsGrpc.EventsStub events, String run, double rate, Duration duration, long[] sent,
            ConcurrentLinkedQueue<Long> latencies) throws Exception {
        AtomicLong count = new AtomicLong();
        AtomicLong missing = new AtomicLong();
        long interval = (long) (STREAMS * 1e9 / rate);
        long start = System.nanoTime() + 10_000_000L;
        long end = start + duration.toNanos();
        List<CompletableFuture<Void>> answered = java.util.Collections.synchronizedList(new ArrayList<>());
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        for (int s = 0; s < STREAMS; s++) {
            long offset = s * interval / STREAMS;
            senders.add(CompletableFuture.runAsync(() -> {
                long[] k = { 0 };
                for (long streamEnd = start; streamEnd < end;) {
                    long until = streamEnd = Math.min(end, streamEnd + TimeUnit.SECONDS.toNanos(STREAM_SECONDS));
                    long[] inStream = { 0, 0 }; // events sent, when the last was due
                    // the stream's events, each handed over when it is due
                    Iterable<RecordEventRequest> paced = () -> new java.util.Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return start + offset + k[0] * interval < until;
                        }

                        @Override
                        public RecordEventRequest next() {
                            long at = start + offset + k[0]++ * interval;
                            Pacing.awaitTick(at);
                            inStream[0]++;
                            inStream[1] = at;
                            return event(run);
                        }
                    };
                    var answer = ClientStreams.send(events.withDeadlineAfter(2, TimeUnit.MINUTES)::recordEvents, paced);
                    count.addAndGet(inStream[0]);
                    long expected = inStream[0];
                    long due = inStream[1];
                    answered.add(answer.handle((response, failure) -> {
                        if (failure != null) {
                            System.out.println("a stream failed: " + failure);
                            missing.addAndGet(expected);
                        } else {
                            missing.addAndGet(expected - response.getRecorded() - response.getDuplicates());
                            latencies.add(System.nanoTime() - due);
                        }
                        return null;
                    }));
                }
            }, Workers.OWN_THREADS));
        }
        CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(duration.toSeconds() + 60, TimeUnit.SECONDS);
        CompletableFuture.allOf(answered.toArray(CompletableFuture[]::new)).get(150, TimeUnit.SECONDS);
        sent[0] = count.get();
        return missing.get();
    }

    /** Reads profiles by identifier at READS_PER_SECOND: [answered, failed, latency ns…]. */
    private static long[] read(ProfilesGrpc.ProfilesFutureStub profiles, String run, Duration duration) {
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        AtomicLong failed = new AtomicLong();
        java.util.concurrent.Phaser inFlight = new java.util.concurrent.Phaser(1);
        long interval = 1_000_000_000L / READS_PER_SECOND;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        for (long k = 0;; k++) {
            long at = start + k * interval;
            if (at >= end) {
                break;
            }
            Pacing.awaitTick(at);
            inFlight.register();
            var call = profiles.withDeadlineAfter(5, TimeUnit.SECONDS).getProfile(GetProfileRequest.newBuilder()
                    .setIdentifier(person(run, ThreadLocalRandom.current().nextInt(PEOPLE))).build());
            Futures.addCallback(call, new FutureCallback<>() {
                @Override
                public void onSuccess(dev.rapport.proto.profile.v1.Profile profile) {
                    latencies.add(System.nanoTime() - at);
                    inFlight.arriveAndDeregister();
                }

                @Override
                public void onFailure(Throwable t) {
                    if (failed.incrementAndGet() <= 3) {
                        System.out.println("a read failed: " + t);
                    }
                    inFlight.arriveAndDeregister();
                }
            }, MoreExecutors.directExecutor());
        }
        inFlight.arriveAndAwaitAdvance();
        long[] answer = new long[latencies.size() + 2];
        answer[0] = latencies.size();
        answer[1] = failed.get();
        int i = 2;
        for (long l : latencies) {
            answer[i++] = l;
        }
        return answer;
    }

    private static double p99(long[] sorted) {
        return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, (int) Math.ceil(0.99 * sorted.length) - 1)] / 1e6;
    }

    /** Each service after a full collection: the heap it still uses, its resident memory, threads and open files. */
    private static List<Memory> sample(int minute) throws Exception {
        List<Memory> sampled = new ArrayList<>();
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        for (var service : SERVICES.entrySet()) {
            String pid = Files.readString(PIDS.resolve(service.getKey() + ".pid")).strip();
            Process gc = new ProcessBuilder(jcmd, pid, "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!gc.waitFor(60, TimeUnit.SECONDS) || gc.exitValue() != 0) {
                throw new IllegalStateException("jcmd GC.run failed for " + service.getKey());
            }
            String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.getValue() + "/q/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            long heap = (long) metrics.lines().filter(l -> l.startsWith("jvm_memory_used_bytes{area=\"heap\""))
                    .mapToDouble(Soak::value).sum();
            long threads = (long) metrics.lines().filter(l -> l.startsWith("jvm_threads_live_threads")).mapToDouble(Soak::value).sum();
            long files = (long) metrics.lines().filter(l -> l.startsWith("process_files_open_files")).mapToDouble(Soak::value).sum();
            sampled.add(new Memory(minute, service.getKey(), heap >> 20, rssKb(pid) >> 10, threads, files));
        }
        return sampled;
    }

    private static double value(String metricLine) {
        return Double.parseDouble(metricLine.substring(metricLine.lastIndexOf(' ') + 1));
    }

    private static long rssKb(String pid) throws IOException {
        return Files.readAllLines(Path.of("/proc", pid, "status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .map(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElse(0L);
    }

    private static void write(Path report, Instant started, double capacity, double rate, List<Minute> minutes, List<Memory> memory)
            throws IOException {
        long offered = minutes.stream().mapToLong(Minute::events).sum();
        long acknowledged = minutes.stream().mapToLong(Minute::acknowledged).sum();
        long eventErrors = minutes.stream().mapToLong(Minute::eventErrors).sum();
        long reads = minutes.stream().mapToLong(Minute::reads).sum();
        long readErrors = minutes.stream().mapToLong(Minute::readErrors).sum();
        StringBuilder load = new StringBuilder("| minutes | events offered | acknowledged | not acknowledged | stream answer p99 ms (worst minute) "
                + "| profile reads | failed | read p99 ms (worst minute) | consumers' lag on Kafka (most at a minute's end) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int from = 0; from < minutes.size(); from += SAMPLE_EVERY_MINUTES) {
            List<Minute> part = minutes.subList(from, Math.min(minutes.size(), from + SAMPLE_EVERY_MINUTES));
            load.append(String.format(Locale.ROOT, "| %d–%d | %,d | %,d | %,d | %.1f | %,d | %,d | %.1f | %,d |%n", part.get(0).minute(),
                    part.get(part.size() - 1).minute(), part.stream().mapToLong(Minute::events).sum(),
                    part.stream().mapToLong(Minute::acknowledged).sum(), part.stream().mapToLong(Minute::eventErrors).sum(),
                    part.stream().mapToDouble(Minute::ackP99Ms).max().orElse(Double.NaN), part.stream().mapToLong(Minute::reads).sum(),
                    part.stream().mapToLong(Minute::readErrors).sum(), part.stream().mapToDouble(Minute::readP99Ms).max().orElse(Double.NaN),
                    part.stream().mapToLong(Minute::lag).max().orElse(0)));
        }
        List<Integer> sampledAt = memory.stream().map(Memory::minute).distinct().toList();
        StringBuilder heap = new StringBuilder("| service | " + String.join(" | ", sampledAt.stream().map(m -> "min " + m).toList())
                + " | threads (first → last) | open files (first → last) |\n|---|" + "---:|".repeat(sampledAt.size()) + "---:|---:|\n");
        for (String service : SERVICES.keySet()) {
            List<Memory> of = memory.stream().filter(s -> s.service().equals(service)).toList();
            heap.append("| ").append(service).append(" | ");
            heap.append(String.join(" | ", of.stream().map(s -> s.heapMb() + " / " + s.rssMb()).toList()));
            heap.append(String.format(" | %d → %d | %d → %d |%n", of.get(0).threads(), of.get(of.size() - 1).threads(), of.get(0).openFiles(),
                    of.get(of.size() - 1).openFiles()));
        }
        BenchmarkReport.replaceSection(report, "soak", String.format(Locale.ROOT, """
                ## Soak: %d minutes at half capacity

                Measured from %s on %s (the suite, PostgreSQL, Kafka and Keycloak on the same machine).
                Command: `make soak` (driver `bench/…/Soak`, against `make run`'s suite; -Drapport.soak.minutes=%d).
                Capacity measured first in the same run: %,.0f events/s streamed through the gateway at saturation. Then, for
                %d minutes, events at half that (%,.0f events/s, open loop over %d client streams at a time, each open 10 s and
                answered when its events are stored and published; 10,000 people) beside %d profile reads/s through the
                gateway. A stream's answer time runs from when its last event was due.

                Totals: %,d events offered, %,d acknowledged, %,d not acknowledged; %,d profile reads, %,d failed.

                %s
                Memory of each service after a full collection (`jcmd GC.run`): heap in use / resident set, MB; the first
                column before the soak.

                %s""", MINUTES, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(started.atOffset(ZoneOffset.UTC).withNano(0)) + " UTC",
                BenchmarkReport.machine(), MINUTES, capacity, MINUTES, rate, STREAMS, READS_PER_SECOND, offered, acknowledged, eventErrors,
                reads, readErrors, load, heap));
    }
}
