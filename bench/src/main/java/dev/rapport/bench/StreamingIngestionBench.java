package dev.rapport.bench;

import dev.rapport.testing.BenchmarkReport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.RecordEventResponse;
import dev.rapport.proto.profile.v1.RecordEventsResponse;
import dev.rapport.testing.ClientStreams;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;

/**
 * High-rate ingestion as issue #3 asks it measured: events streamed through the gateway
 * ({@code rapport.api.v1.Events/RecordEvents}) into stored-and-published events at saturation, beside the raw rate
 * of a Kafka producer sending the same messages to the same broker in the same run.
 */
public final class StreamingIngestionBench {
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("rapport.bench.seconds", 30));
    private static final int STREAMS = Integer.getInteger("rapport.bench.streams", 4);
    private static final int EVENTS_PER_STREAM = 5_000;

    public static void main(String[] args) throws Exception {
        Path report = Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md");
        ClientInterceptor asPartner = Report.asPartner();
        ManagedChannel channel = Report.gateway();
        try {
            var events = EventsGrpc.newStub(channel).withInterceptors(asPartner);
            System.out.println("warming up");
            saturate(events, STREAMS, EVENTS_PER_STREAM, StreamingIngestionBench::request, Duration.ofSeconds(15));
            double streamed = saturate(events, STREAMS, EVENTS_PER_STREAM, StreamingIngestionBench::request, MEASURE);
            System.out.printf(Locale.ROOT, "streamed through the gateway: %.0f events/s (%d streams)%n", streamed, STREAMS);
            long lagWait = awaitConsumersCaughtUp(Duration.ofMinutes(4));
            System.out.printf(Locale.ROOT, "consumers caught up with the streamed backlog in %d s%n", lagWait);
            double half = streamed / 2;
            Acknowledgements acks = acknowledgedAtRate(events, half, MEASURE);
            System.out.printf(Locale.ROOT, "per-event acknowledgement at %.0f events/s: p50 %.2f ms, p99 %.2f ms, %d not acknowledged%n",
                    half, acks.percentile(50), acks.percentile(99), acks.missing());
            double raw = rawKafka(Duration.ofSeconds(15));
            System.out.printf(Locale.ROOT, "raw Kafka producer, same messages: %.0f records/s%n", raw);
            write(report, streamed, raw, half, acks);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Events per second stored and published, with {@code streams} client streams of {@code perStream} events always
     * open; event i of a stream is {@code event.apply(i)}. Soak measures its capacity with it too.
     */
    static double saturate(EventsGrpc.EventsStub events, int streams, int perStream, java.util.function.IntFunction<RecordEventRequest> event,
            Duration duration) throws Exception {
        AtomicLong acknowledged = new AtomicLong();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int s = 0; s < streams; s++) {
            workers.add(CompletableFuture.runAsync(() -> {
                while (System.nanoTime() < end) {
                    List<RecordEventRequest> requests = new ArrayList<>(perStream);
                    for (int i = 0; i < perStream; i++) {
                        requests.add(event.apply(i));
                    }
                    RecordEventsResponse answer = ClientStreams.send(events.withDeadlineAfter(120, TimeUnit.SECONDS)::recordEvents, requests).join();
                    acknowledged.addAndGet(answer.getRecorded() + answer.getDuplicates());
                }
            }, Workers.OWN_THREADS));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(duration.toSeconds() + 180, TimeUnit.SECONDS);
        return acknowledged.get() / ((System.nanoTime() - start) / 1e9);
    }

    /** Acknowledgement latencies in ns, sorted, and how many events sent were never acknowledged. */
    record Acknowledgements(long[] sorted, long missing) {
        double percentile(double p) {
            return sorted.length == 0 ? Double.NaN : sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1))] / 1e6;
        }

        double max() {
            return sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1] / 1e6;
        }
    }

    /**
     * Open loop at a fixed rate over {@link #STREAMS} bidirectional streams ({@code RecordEventStream}): each event's
     * latency runs from the time it was due to be sent (not when it was sent) to its acknowledgement, so a stall
     * counts against every event it delayed.
     */
    private static Acknowledgements acknowledgedAtRate(EventsGrpc.EventsStub events, double rate, Duration duration) throws Exception {
        java.util.concurrent.ConcurrentHashMap<String, Long> due = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.ConcurrentLinkedQueue<Long> latencies = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long intervalNanos = (long) (STREAMS * 1e9 / rate);
        long start = System.nanoTime() + 100_000_000L;
        long end = start + duration.toNanos();
        List<CompletableFuture<Void>> closed = new ArrayList<>();
        List<CompletableFuture<Void>> senders = new ArrayList<>();
        AtomicLong sent = new AtomicLong();
        for (int s = 0; s < STREAMS; s++) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            closed.add(done);
            var out = events.withDeadlineAfter(duration.toSeconds() + 120, TimeUnit.SECONDS).recordEventStream(new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(RecordEventResponse ack) {
                    Long dueAt = due.remove(ack.getEventId());
                    if (dueAt != null) {
                        latencies.add(System.nanoTime() - dueAt);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    done.complete(null);
                }
            });
            long offset = s * intervalNanos / STREAMS;
            senders.add(CompletableFuture.runAsync(() -> {
                for (long k = 0;; k++) {
                    long at = start + offset + k * intervalNanos;
                    if (at >= end) {
                        break;
                    }
                    Pacing.awaitTick(at);
                    RecordEventRequest request = request((int) (sent.getAndIncrement() % 10_000));
                    due.put(request.getEvent().getId(), at);
                    out.onNext(request);
                }
                out.onCompleted();
            }, Workers.OWN_THREADS));
        }
        CompletableFuture.allOf(senders.toArray(CompletableFuture[]::new)).get(duration.toSeconds() + 60, TimeUnit.SECONDS);
        CompletableFuture.allOf(closed.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        return new Acknowledgements(latencies.stream().mapToLong(Long::longValue).sorted().toArray(), due.size());
    }

    private static RecordEventRequest request(int i) {
        return RecordEventRequest.newBuilder()
                .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.DEVICE_ID).setValue("bench-device-" + (i % 10_000)))
                .setEvent(Event.newBuilder().setId(UUID.randomUUID().toString()).setName("screen_viewed"))
                .build();
    }

    /**
     * Saturation leaves the services that consume {@code profile.events} a backlog; the half-load measurement waits
     * until every consumer group has caught up (lag under 1,000), so that it measures half load, not a catch-up.
     * Answers the seconds waited.
     */
    private static long awaitConsumersCaughtUp(Duration atMost) throws Exception {
        long start = System.nanoTime();
        while (System.nanoTime() - start < atMost.toNanos() && ConsumerLag.total() >= 1_000) {
            Thread.sleep(2_000);
        }
        return (System.nanoTime() - start) / 1_000_000_000L;
    }

    /** Records per second a plain producer (acks=all, idempotent, batching) gets from the same broker. */
    private static double rawKafka(Duration duration) throws Exception {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        String profileId = UUID.randomUUID().toString();
        String value = JsonFormat.printer().omittingInsignificantWhitespace().print(ProfileEventRecorded.newBuilder()
                .setEvent(Event.newBuilder().setId(UUID.randomUUID().toString()).setProfileId(profileId).setName("screen_viewed")
                        .setSource("client:demo-partner"))
                .build());
        AtomicLong acked = new AtomicLong();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            long start = System.nanoTime();
            long end = start + duration.toNanos();
            long sent = 0;
            while (System.nanoTime() < end) {
                producer.send(new ProducerRecord<>("bench.raw", "profile-" + (sent % 10_000), value), (meta, error) -> {
                    if (error == null) {
                        acked.incrementAndGet();
                    }
                });
                sent++;
            }
            producer.flush();
            return acked.get() / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void write(Path report, double streamed, double raw, double half, Acknowledgements acks) throws java.io.IOException {
        BenchmarkReport.replaceSection(report, "streaming-ingestion", String.format(Locale.ROOT, """
                ## Streaming ingestion: RecordEvents through the gateway

                Measured %s on %s.
                Command: `make bench` (load driver `bench/…/StreamingIngestionBench`, 15 s warm-up, %d s measured,
                %d client streams of %,d events each, always open; each event a new id, 10,000 distinct devices).
                Path: one token check per stream at the gateway → gRPC client stream to profile-service → group commit
                (multi-row insert and the computed traits, one commit per batch) and Kafka acknowledgement (acks=all) → one
                answer per stream.

                | what | rate |
                |---|---:|
                | events stored and published, streamed through the gateway | %,.0f events/s |
                | raw Kafka producer, same message size, same broker, same run | %,.0f records/s |
                | ratio | %.2f |

                Acknowledgement latency per event at half that rate: open loop at %,.0f events/s over %d bidirectional
                streams (`RecordEventStream`, one acknowledgement per event as soon as it is stored and published),
                %d s, counted from each event's scheduled send time; started once the consumers of `profile.events` had
                caught up with the saturation run's backlog.

                | events acknowledged | p50 ms | p95 ms | p99 ms | max ms | never acknowledged |
                |---:|---:|---:|---:|---:|---:|
                | %,d | %.2f | %.2f | %.2f | %.2f | %d |

                Targets in issue #3: at least 15,000 events/s, at least half the raw Kafka rate, p99 acknowledgement under
                20 ms at half load.
                """, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC",
                BenchmarkReport.machine(), MEASURE.toSeconds(), STREAMS, EVENTS_PER_STREAM, streamed, raw, streamed / raw,
                half, STREAMS, MEASURE.toSeconds(), acks.sorted().length, acks.percentile(50), acks.percentile(95), acks.percentile(99),
                acks.max(), acks.missing()));
    }
}
