package dev.rapport.bench;

import dev.rapport.demo.DemoBrand;
import dev.rapport.demo.DemoSegments;
import dev.rapport.demo.LoadDemo;
import dev.rapport.testing.BenchmarkReport;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.api.v1.AttributeSchemaGrpc;
import dev.rapport.proto.api.v1.SegmentsGrpc;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.CreateAttributeDefinitionRequest;
import dev.rapport.proto.segment.v1.ComputeRfmRequest;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentRequest;
import dev.rapport.proto.segment.v1.PreviewSegmentRequest;
import dev.rapport.proto.segment.v1.RfmRun;
import dev.rapport.proto.segment.v1.SegmentMembershipChanged;
import dev.rapport.proto.segment.v1.SegmentServiceGrpc;
import dev.rapport.proto.segment.v1.SegmentSize;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/**
 * Segments at scale (issue #4): the demo brand's first 1,000,000 customers (DemoBrand, the generator `make run` loads
 * 10,000 from) and their histories, about 34 events each, written straight into segment-service's projection (a second
 * run reuses them), then (1) the size of 10 of the demo's segments computed in batch (PreviewSegment through the
 * gateway, for essential service: the population has no consent records), (2) a full RFM
 * recomputation and the raw SQL aggregation it needs, (3) real time: events published on profile.events at a fixed
 * rate, and for probe events the time until their membership message arrives on segment.membership.
 */
public final class SegmentBench {
    private static final int PROFILES = Integer.getInteger("rapport.bench.segment-profiles", 1_000_000);
    /** The demo brand's seed: 42 is the one `make run` loads. */
    private static final long SEED = Long.getLong("rapport.bench.seed", 42);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();
    private static final int RATE = Integer.getInteger("rapport.bench.segment-events-per-second", 5_000);
    private static final int SECONDS = Integer.getInteger("rapport.bench.seconds", 30);
    /** Offered at the same rate before the measured seconds, unprobed: the services' JIT warms up on the path measured. */
    private static final int WARM_UP_SECONDS = Integer.getInteger("rapport.bench.warm-up-seconds", 10);
    private static final String DB = System.getProperty("rapport.bench.db", "jdbc:postgresql://127.0.0.1:5432/rapport");
    private static final String KAFKA = System.getProperty("rapport.bench.kafka", "127.0.0.1:9092");
    /** Only the real-time part (-Drapport.bench.segment-real-time-only=true), for looking at it alone; writes no report. */
    private static final int ATTRIBUTE_CHANGES = Integer.getInteger("rapport.bench.attribute-changes", 20_000);
    private static final boolean REAL_TIME_ONLY = Boolean.getBoolean("rapport.bench.segment-real-time-only");

    /** 10 of the demo's segments (DemoSegments), one or more of each family. */
    private static final List<String> SEGMENTS = List.of("Ordered 5+ times in 90 days", "Abandoned a cart this month, no order since",
            "Within 5 km of Plaça de Catalunya", "Aged 25 to 34", "On the newest app (5.6 or later)", "Vegetarian or vegan",
            "Loves Korean food", "Spent over 150 EUR in 90 days", "Lapsed: nothing for 60 days", "RFM Champions");

    public static void main(String[] args) throws Exception {
        Path report = Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md");
        ManagedChannel gateway = Report.gateway();
        ManagedChannel internal = ManagedChannelBuilder.forTarget(System.getProperty("rapport.segment", "127.0.0.1:9082")).usePlaintext().build();
        try (Connection db = DriverManager.getConnection(DB, "rapport", "rapport")) {
            var asPartner = Report.asPartner();
            var schema = AttributeSchemaGrpc.newBlockingStub(gateway).withInterceptors(asPartner);
            for (AttributeDefinition definition : LoadDemo.attributeDefinitions()) {
                schema.createAttributeDefinition(CreateAttributeDefinitionRequest.newBuilder().setDefinition(definition).build());
            }
            schema.createAttributeDefinition(CreateAttributeDefinitionRequest.newBuilder().setDefinition(AttributeDefinition.newBuilder()
                    .setName("bench_tier").setType(AttributeDefinition.Type.STRING).setDataCategory("user.demographic.profile").setMaxLength(32)).build());

            var segments = SegmentsGrpc.newBlockingStub(gateway).withInterceptors(asPartner); // its token renews itself
            long generateMs = generate(db);
            if (REAL_TIME_ONLY) {
                System.out.println(realTime(db, segments));
                System.out.println(attributeChanges(segments));
                return;
            }
            long[] counts = count(db);

            // RFM first (the RFM segment below reads its scores), straight to segment-service: RFM is an operator's call.
            var rfm = SegmentServiceGrpc.newBlockingStub(internal).withDeadlineAfter(10, TimeUnit.MINUTES);
            rfm.computeRfm(ComputeRfmRequest.getDefaultInstance()); // warm
            List<Long> rfmRuns = new ArrayList<>();
            RfmRun last = null;
            for (int i = 0; i < 3; i++) {
                long t = System.nanoTime();
                last = SegmentServiceGrpc.newBlockingStub(internal).withDeadlineAfter(10, TimeUnit.MINUTES).computeRfm(ComputeRfmRequest.getDefaultInstance());
                rfmRuns.add((System.nanoTime() - t) / 1_000_000);
                System.out.printf(Locale.ROOT, "RFM run %d: %,d ms (%,d profiles scored)%n", i + 1, rfmRuns.get(i), last.getProfilesScored());
            }
            List<Long> rawRuns = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                rawRuns.add(rawAggregation(db));
            }

            List<String> batchRows = new ArrayList<>();
            for (String name : SEGMENTS) {
                DemoSegments.Definition demo = DemoSegments.named(name);
                Struct.Builder definition = Struct.newBuilder();
                JsonFormat.parser().merge(demo.json(), definition);
                PreviewSegmentRequest request = PreviewSegmentRequest.newBuilder().setPurpose("essential.service").setDefinition(definition).build();
                try {
                    segments.withDeadlineAfter(5, TimeUnit.MINUTES).previewSegment(request); // warm
                } catch (io.grpc.StatusRuntimeException e) {
                    if (e.getStatus().getCode() != io.grpc.Status.Code.RESOURCE_EXHAUSTED) {
                        throw e;
                    }
                    // over the service's preview limit: a figure too, not the end of the run
                    batchRows.add(String.format(Locale.ROOT, "| %s: %s | refused | over %s | **no** |", demo.description().split(":")[0], name,
                            e.getStatus().getDescription().replaceAll(".*more than ([0-9]+ s).*", "$1")));
                    System.out.println(batchRows.get(batchRows.size() - 1));
                    continue;
                }
                long[] ms = new long[3];
                SegmentSize size = null;
                for (int i = 0; i < 3; i++) {
                    long t = System.nanoTime();
                    size = segments.withDeadlineAfter(5, TimeUnit.MINUTES).previewSegment(request);
                    ms[i] = (System.nanoTime() - t) / 1_000_000;
                }
                Arrays.sort(ms);
                batchRows.add(String.format(Locale.ROOT, "| %s: %s | %,d | %,d | %s |", demo.description().split(":")[0], name, size.getMembers(), ms[1], ms[1] < 1000 ? "yes" : "**no**"));
                System.out.println(batchRows.get(batchRows.size() - 1));
            }

            String realTime = realTime(db, segments);
            String attributeChanges = attributeChanges(segments);
            write(report, generateMs, counts, rfmRuns, rawRuns, last, batchRows, realTime, attributeChanges);
        } finally {
            gateway.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            internal.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Writes the demo brand's customers 1..PROFILES (DemoBrand with SEED: the people `make run` loads, a million of
     * them) straight into segment-service's projection, unless they are there: their attributes, and their histories
     * ending at the start of the generation day. Written a slice at a time, each slice with its progress in
     * bench.population, so an interrupted generation goes on where it stopped; a later run reuses the population.
     */
    private static long generate(Connection db) throws Exception {
        try (Statement s = db.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS bench");
            s.execute("CREATE TABLE IF NOT EXISTS bench.population (seed bigint PRIMARY KEY, history_end timestamptz NOT NULL, profiles integer NOT NULL)");
            s.execute("INSERT INTO bench.population VALUES (" + SEED + ", date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', 0) ON CONFLICT DO NOTHING");
        }
        Instant historyEnd;
        int written;
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT history_end, profiles FROM bench.population WHERE seed = " + SEED)) {
            r.next();
            historyEnd = r.getTimestamp(1).toInstant();
            written = r.getInt(2);
        }
        if (written >= PROFILES) {
            System.out.println("population already generated (" + written + " customers, history to " + historyEnd + ")");
            return -1;
        }
        DemoBrand brand = new DemoBrand(SEED, historyEnd);
        System.out.println("generating customers " + (written + 1) + " to " + PROFILES + " of the demo brand, history to " + historyEnd);
        long t = System.nanoTime();
        var copy = db.unwrap(org.postgresql.PGConnection.class).getCopyAPI();
        db.setAutoCommit(false);
        int slice = 10_000;
        for (int from = written + 1; from <= PROFILES; from += slice) {
            int to = Math.min(PROFILES, from + slice - 1);
            StringBuilder profiles = new StringBuilder();
            StringBuilder events = new StringBuilder();
            for (int i = from; i <= to; i++) {
                DemoBrand.Customer customer = brand.customer(i);
                String id = benchProfile(i);
                profiles.append(id).append(",1,").append(csv(JSON.writeValueAsString(customer.attributes()))).append('\n');
                for (DemoBrand.Event e : customer.events()) {
                    // prefixed: the demo loaded by make run holds the same customers' event ids in the same projection
                    events.append("bench-").append(e.id()).append(',').append(id).append(',').append(e.name()).append(',')
                            .append(e.time()).append(',').append(csv(JSON.writeValueAsString(e.properties()))).append('\n');
                }
            }
            copy.copyIn("COPY segment.profile (profile_id, version, attributes) FROM STDIN (FORMAT csv)", new java.io.StringReader(profiles.toString()));
            copy.copyIn("COPY segment.event (event_id, profile_id, name, occur_time, properties) FROM STDIN (FORMAT csv)",
                    new java.io.StringReader(events.toString()));
            try (Statement s = db.createStatement()) {
                s.execute("UPDATE bench.population SET profiles = " + to + " WHERE seed = " + SEED);
            }
            db.commit();
            if (to % 100_000 == 0 || to == PROFILES) {
                System.out.printf(Locale.ROOT, "  customers up to %,d written (%d s)%n", to, (System.nanoTime() - t) / 1_000_000_000);
            }
        }
        db.setAutoCommit(true);
        try (Statement s = db.createStatement()) {
            s.execute("ANALYZE segment.profile");
            s.execute("ANALYZE segment.event");
        }
        return (System.nanoTime() - t) / 1_000_000;
    }

    /** A CSV field for COPY: quoted, its quotes doubled. */
    private static String csv(String value) {
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    private static long[] count(Connection db) throws Exception {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery(
                "SELECT (SELECT count(*) FROM segment.profile), (SELECT count(*) FROM segment.event)")) {
            r.next();
            return new long[] {r.getLong(1), r.getLong(2)};
        }
    }

    /** The aggregation RFM needs and nothing else: last purchase, purchase count and total per profile. */
    private static long rawAggregation(Connection db) throws Exception {
        try (Statement s = db.createStatement()) {
            long t = System.nanoTime();
            try (ResultSet r = s.executeQuery("""
                    SELECT count(*) FROM (SELECT profile_id, max(occur_time), count(*), sum((properties ->> 'total')::numeric)
                    FROM segment.event WHERE name IN ('order_placed','order_completed','purchase') AND occur_time >= now() - interval '365 days'
                    GROUP BY profile_id) x""")) {
                r.next();
            }
            return (System.nanoTime() - t) / 1_000_000;
        }
    }

    /**
     * Events published on profile.events at RATE per second for SECONDS, as profile-service publishes them: most
     * are page views of bench profiles (a saved segment uses page views, so each is evaluated in real time); probes
     * (20 a second) are first events of fresh profiles that enter a probe segment. Latency: probe published →
     * its ENTERED message read from segment.membership.
     */
    private static final String EVENT_JSON = "{\"envelope\":{\"id\":\"%s\",\"type\":\"dev.rapport.profile.event.recorded.v1\",\"subject\":\"%s\"},"
            + "\"event\":{\"id\":\"%s\",\"profileId\":\"%s\",\"name\":\"%s\",\"occurTime\":\"%s\"}}";

    private static String realTime(Connection db, SegmentsGrpc.SegmentsBlockingStub segments) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String probeName = "bench_probe_" + run;
        Struct.Builder probeDefinition = Struct.newBuilder();
        JsonFormat.parser().merge("{\"kind\":\"event\",\"event\":\"" + probeName + "\"}", probeDefinition);
        String probeSegment = segments.createSegment(CreateSegmentRequest.newBuilder().setName("bench probes " + run)
                .setPurpose("essential.service").setDefinition(probeDefinition).build()).getId();
        Struct.Builder viewsDefinition = Struct.newBuilder();
        JsonFormat.parser().merge("{\"kind\":\"and\",\"of\":[{\"kind\":\"attribute\",\"attribute\":\"country\",\"operator\":\"eq\",\"value\":\"" + run
                + "\"},{\"kind\":\"event\",\"event\":\"page_viewed\",\"count\":{\"at_least\":3},\"window\":{\"last\":\"P1D\"}}]}", viewsDefinition);
        String viewsSegment = segments.createSegment(CreateSegmentRequest.newBuilder().setName("bench page views " + run)
                .setPurpose("essential.service").setDefinition(viewsDefinition).build()).getId();


        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<Long> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong sent = new AtomicLong();
        try (KafkaProducer<String, String> producer = producer(1); KafkaConsumer<String, String> consumer = membership("bench-" + run)) {
            Thread reader = new Thread(() -> {
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> record : consumer.poll(java.time.Duration.ofMillis(50))) {
                        Long at = sentAt.remove(record.key());
                        if (at != null && record.value().contains(probeSegment)) {
                            latencies.add(System.nanoTime() - at);
                        }
                    }
                }
            });
            reader.start();
            long interval = TimeUnit.SECONDS.toNanos(1) / RATE;
            long start = System.nanoTime();
            long warmUp = (long) RATE * WARM_UP_SECONDS;
            long total = warmUp + (long) RATE * SECONDS;
            long measured = 0;
            var random = java.util.concurrent.ThreadLocalRandom.current();
            for (long k = 0; k < total; k++) {
                long due = start + k * interval;
                long wait = due - System.nanoTime();
                if (wait > 2_000_000) {
                    Thread.sleep(wait / 1_000_000);
                }
                if (k == warmUp) {
                    measured = System.nanoTime();
                    sent.set(0);
                }
                boolean probe = k >= warmUp && k % (RATE / 20) == 0;
                String profile = probe ? UUID.randomUUID().toString()
                        : benchProfile(1 + random.nextInt(PROFILES));
                String id = "bench-rt-" + run + "-" + k;
                // What JsonFormat prints for this ProfileEventRecorded, written straight: the driver shares the two cores with
                // the suite, and printing 5,000 messages a second through JsonFormat took half a core from it.
                String value = EVENT_JSON.formatted(id, profile, id, profile, probe ? probeName : "page_viewed",
                        com.google.protobuf.util.Timestamps.toString(com.google.protobuf.util.Timestamps.fromMillis(System.currentTimeMillis())));
                if (probe) {
                    sentAt.put(profile, System.nanoTime());
                }
                producer.send(new ProducerRecord<>("profile.events", profile, value));
                sent.incrementAndGet();
            }
            producer.flush();
            double offered = sent.get() / ((System.nanoTime() - measured) / 1e9);
            long drainStart = System.nanoTime();
            while (!sentAt.isEmpty() && System.nanoTime() - drainStart < TimeUnit.SECONDS.toNanos(120)) {
                Thread.sleep(100);
            }
            stop.set(true);
            reader.join();
            long missing = sentAt.size();
            long[] ns = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            segments.deleteSegment(DeleteSegmentRequest.newBuilder().setId(probeSegment).build());
            segments.deleteSegment(DeleteSegmentRequest.newBuilder().setId(viewsSegment).build());
            // This run's page views leave the projection again: runs after it start from the same histories, not longer ones.
            try (Statement s = db.createStatement()) {
                s.execute("DELETE FROM segment.event WHERE event_id LIKE 'bench-rt-" + run + "-%'");
            }
            if (ns.length == 0) {
                return "no probe answered within 120 s after the load (" + missing + " missing)";
            }
            return String.format(Locale.ROOT, "offered %,.0f events/s for %d s; %,d probes: p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms; %d probes unanswered 120 s after the load",
                    offered, SECONDS, ns.length, ns[ns.length / 2] / 1e6, ns[(int) (ns.length * 0.95)] / 1e6,
                    ns[Math.min(ns.length - 1, (int) (ns.length * 0.99))] / 1e6, ns[ns.length - 1] / 1e6, missing);
        }
    }

    /**
     * A bulk attribute import as profile-service announces it: one change per profile for {@code ATTRIBUTE_CHANGES}
     * profiles of the population, all at once on profile.changes; timed until segment-service has announced each of them
     * entering a segment on that attribute.
     */
    private static String attributeChanges(SegmentsGrpc.SegmentsBlockingStub segments) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        Struct.Builder definition = Struct.newBuilder();
        JsonFormat.parser().merge("{\"kind\":\"attribute\",\"attribute\":\"bench_tier\",\"operator\":\"eq\",\"value\":\"" + run + "\"}", definition);
        String segment = segments.createSegment(CreateSegmentRequest.newBuilder().setName("bench tier " + run)
                .setPurpose("essential.service").setDefinition(definition).build()).getId();
        try (KafkaProducer<String, String> producer = producer(5); KafkaConsumer<String, String> consumer = membership("bench-tier-" + run)) {
            long version = System.currentTimeMillis(); // newer than any version the population or an earlier run left
            long start = System.nanoTime();
            for (int i = 1; i <= ATTRIBUTE_CHANGES; i++) {
                String profile = benchProfile(i);
                var at = com.google.protobuf.util.Timestamps.fromMillis(System.currentTimeMillis());
                String value = JsonFormat.printer().omittingInsignificantWhitespace().print(dev.rapport.proto.profile.v1.ProfileChanged.newBuilder()
                        .setEnvelope(Envelope.newBuilder().setId("bench-tier-" + run + "-" + i).setSubject(profile)
                                .setType("dev.rapport.profile.changed.v1"))
                        .setProfileId(profile).setVersion(version).setChangeTime(at).setSource("bench")
                        .addChanges(dev.rapport.proto.profile.v1.AttributeChange.newBuilder().setAttribute("bench_tier")
                                .setNewValue(com.google.protobuf.Value.newBuilder().setStringValue(run)).setChangeTime(at).setSource("bench"))
                        .build());
                producer.send(new ProducerRecord<>("profile.changes", profile, value));
            }
            producer.flush();
            double published = (System.nanoTime() - start) / 1e9;
            java.util.Set<String> entered = new java.util.HashSet<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
            while (entered.size() < ATTRIBUTE_CHANGES && System.nanoTime() < until) {
                for (ConsumerRecord<String, String> record : consumer.poll(java.time.Duration.ofMillis(200))) {
                    if (record.value().contains(segment) && record.value().contains("ENTERED")) {
                        entered.add(record.key());
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            segments.deleteSegment(DeleteSegmentRequest.newBuilder().setId(segment).build());
            return String.format(Locale.ROOT, "%,d attribute changes (one per profile) published in %.1f s; %,d of them announced as entries "
                    + "%.1f s after the first was published: **%,.0f changes/s** absorbed into memberships%s.",
                    ATTRIBUTE_CHANGES, published, entered.size(), seconds, entered.size() / seconds,
                    entered.size() < ATTRIBUTE_CHANGES ? " (the rest not within 300 s)" : "");
        }
    }

    private static KafkaProducer<String, String> producer(int lingerMs) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(lingerMs));
        return new KafkaProducer<>(props);
    }

    /** A reader of segment.membership from now on, its partitions assigned before anything is published. */
    private static KafkaConsumer<String, String> membership(String group) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of("segment.membership"));
        while (consumer.assignment().isEmpty()) {
            consumer.poll(java.time.Duration.ofMillis(200));
        }
        return consumer;
    }

    /** The projection's id of the demo brand's customer {@code i} in the bench population. */
    static String benchProfile(int i) {
        return UUID.nameUUIDFromBytes(("bench:" + DemoBrand.externalId(i)).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString();
    }

    private static void write(Path report, long generateMs, long[] counts, List<Long> rfmRuns, List<Long> rawRuns, RfmRun last,
            List<String> batchRows, String realTime, String attributeChanges) throws java.io.IOException {
        long rfm = rfmRuns.stream().sorted().toList().get(1);
        long raw = rawRuns.stream().sorted().toList().get(1);
        BenchmarkReport.replaceSection(report, "segments", String.format(Locale.ROOT, """
                ## Segments: batch sizes, RFM and real-time membership

                Measured %s on %s.
                Command: `make bench` (driver `bench/…/SegmentBench`). Population: %,d profiles and %,d events in
                segment-service's projection: the demo brand's customers and their histories (`DemoBrand`, seed %d, the
                generator `make run` loads 10,000 from), written by the driver straight into PostgreSQL%s, plus whatever else
                the suite holds. Each figure is the median of 3 runs after one warm-up.

                ### Batch: size of 10 of the demo's segments (PreviewSegment through the gateway for essential service, SQL over the projection)

                | segment | members | ms | under 1 s |
                |---|---:|---:|:---:|
                %s

                ### RFM

                Full recomputation (ComputeRfm, straight to segment-service; %,d profiles scored, server-side %,d ms): **%,d ms**
                (target: under 5 s). The raw SQL aggregation it needs (last purchase, count, total per profile over 365 days):
                %,d ms, so RFM costs %.1f× its aggregation (the rest: quintiles, naming, the transition matrix, writing the scores that changed).

                ### Real time (events on profile.events → membership on segment.membership)

                After %d s at the same rate unmeasured (warm-up), %s. Target: p99 under 250 ms at 5,000 events/s. The
                driver publishes straight onto profile.events and removes its page views from the projection afterwards.

                ### A bulk attribute import (changes on profile.changes → entries on segment.membership)

                %s
                """, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC",
                BenchmarkReport.machine(), counts[0], counts[1], SEED, generateMs < 0 ? "; reused from an earlier run" : String.format(Locale.ROOT, " in %,d s", generateMs / 1000),
                String.join("\n", batchRows), last.getProfilesScored(), last.getDurationMs(), rfm, raw, (double) rfm / Math.max(1, raw), WARM_UP_SECONDS, realTime, attributeChanges));
    }
}
