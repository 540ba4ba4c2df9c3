package dev.rapport.demo;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.google.protobuf.ListValue;
import com.google.protobuf.NullValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Timestamp;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.proto.api.v1.AttributeSchemaGrpc;
import dev.rapport.proto.api.v1.CampaignsGrpc;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.ChangeCampaignStatusRequest;
import dev.rapport.proto.campaign.v1.CreateCampaignRequest;
import dev.rapport.proto.api.v1.ConsentsGrpc;
import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.api.v1.OperationsGrpc;
import dev.rapport.proto.api.v1.ReportProgressRequest;
import dev.rapport.proto.common.v1.Progress;
import dev.rapport.proto.api.v1.ProfilesGrpc;
import dev.rapport.proto.api.v1.SegmentsGrpc;
import dev.rapport.proto.privacy.v1.RecordConsentRequest;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.CreateAttributeDefinitionRequest;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.EventContext;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.RecordEventBatchRequest;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.proto.segment.v1.ComputeRfmRequest;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.ListSegmentsRequest;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Loads the demo brand (DemoBrand) into a running suite through the gateway's public API, as a partner app and the
 * brand's staff would: the attribute schema, the help centre (English and Korean), the customers with their
 * attributes, consents and history, the segments of every family and the RFM scores. Idempotent: events, consents
 * and articles carry their own keys, segments are created once by name, and a suite that has the last customer
 * already is left as it is. Prints a progress line per step, and reports its progress as the operation "demo-load"
 * ({@code GET /api/v1/operations/demo-load}): one unit per customer and per other step.
 *
 * <pre>java -cp "demo/target/rapport-demo.jar:demo/target/lib/*" dev.rapport.demo.LoadDemo [customers] [seed]</pre>
 */
public final class LoadDemo {
    private static final String REALM = System.getenv().getOrDefault("RAPPORT_OIDC_URL", "http://localhost:8180/realms/rapport");
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String NOTICE = "mealtide-privacy-2026-06";
    /** Customers loaded at once: each is a few calls that mostly wait (a commit, a Kafka acknowledgement). */
    private static final int WORKERS = 32;
    private static final Map<String, ?> RETRY_WHEN_UNAVAILABLE = Map.of("methodConfig", List.of(Map.of(
            "name", List.of(Map.of()),
            "retryPolicy", Map.of("maxAttempts", 5.0, "initialBackoff", "0.5s", "maxBackoff", "5s", "backoffMultiplier", 2.0,
                    "retryableStatusCodes", List.of("UNAVAILABLE")))));
    /** The operation whose progress anyone can read through the API while the demo loads. */
    public static final String OPERATION = "demo-load";

    private final String gateway;
    private final DemoBrand brand;
    private final int customers;
    private final ManagedChannel channel;
    private final Token partner = new Token("client_credentials", Map.of("client_id", "demo-partner", "client_secret", "demo-partner-secret"));
    private final Token admin = new Token("password", Map.of("client_id", "rapport-web", "username", "demo-admin", "password", "demo"));
    private final AtomicLong done = new AtomicLong();
    private volatile boolean reporting = true;
    /** The final report is made (or being made): nothing after it. Guarded by this. */
    private boolean closed;
    private volatile boolean ended;

    /** @param gateway the gateway's address, e.g. http://127.0.0.1:8080 */
    public LoadDemo(String gateway, int customers, long seed) {
        this.gateway = gateway;
        this.customers = customers;
        // the history ends at the start of today, so the same seed gives the same events all day
        this.brand = new DemoBrand(seed, Instant.now().truncatedTo(ChronoUnit.DAYS));
        URI address = URI.create(gateway);
        // Every step is idempotent, so a call that met a service unavailable for a moment (restarting, say) is made again.
        this.channel = ManagedChannelBuilder.forAddress(address.getHost(), address.getPort()).usePlaintext()
                .maxInboundMessageSize(16 * 1024 * 1024).defaultServiceConfig(RETRY_WHEN_UNAVAILABLE).enableRetry().build();
    }

    public static void main(String[] args) throws Exception {
        int customers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
        LoadDemo demo = new LoadDemo(System.getenv().getOrDefault("RAPPORT_GATEWAY", "http://127.0.0.1:8080"), customers, seed);
        // stopped with Ctrl-C, the operation says so rather than staying "under way"
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!demo.ended) {
                demo.report("interrupted", Run.FAILED);
            }
        }));
        demo.load();
    }

    /** Loads what is missing of the demo; the channel is closed afterwards. */
    public void load() throws Exception {
        try {
            loadAll();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    private void loadAll() throws Exception {
        long started = System.nanoTime();
        say("loading the demo brand Mealtide (" + customers + " customers) into " + gateway + "; progress: GET " + gateway
                + "/api/v1/operations/" + OPERATION);
        report("attribute schema", Run.START);
        try {
            attributeSchema();
            helpCentre();
            customers();
            segments();
            campaigns();
        } catch (Exception | Error e) {
            ended = true;
            report("failed: " + e.getMessage(), Run.FAILED);
            throw e;
        }
        ended = true;
        report("loaded", Run.FINISHED);
        say(String.format("done in %.0f s", (System.nanoTime() - started) / 1e9));
    }

    /** Units in all: each customer, and each other step (the schema, two help centres, RFM, each segment and campaign). */
    private long total() {
        return 1 + 2 + customers + 1 + DemoSegments.ALL.size() + DemoCampaigns.ALL.size();
    }

    /** A step other than a customer is done; the next one is stage. */
    private void stepDone(String stage) {
        done.incrementAndGet();
        report(stage, Run.GOING);
    }

    private enum Run { START, GOING, FINISHED, FAILED }

    /**
     * Tells the gateway how far the load has come. The load goes on if it cannot: the console lines remain. Once the
     * final report is made, later progress (a worker still finishing a customer) is not sent: it would arrive after it.
     */
    private void report(String stage, Run run) {
        boolean last = run == Run.FINISHED || run == Run.FAILED;
        synchronized (this) {
            if (!reporting || closed) {
                return;
            }
            closed = last;
        }
        boolean failed = run == Run.FAILED;
        String line = stage.replaceAll("\\p{Cntrl}", " "); // one line (a failure's message may have several)
        var report = ReportProgressRequest.newBuilder().setName(OPERATION).setProgress(Progress.newBuilder()
                .setDone(done.get()).setTotal(total()).setStage(line.length() > 200 ? line.substring(0, 200) : line)
                .setFinished(last).setFailed(failed)).setStart(run == Run.START).build();
        for (int attempt = 1; ; attempt++) {
            try {
                OperationsGrpc.newBlockingStub(channel).withCallCredentials(partner).withDeadlineAfter(10, TimeUnit.SECONDS).reportProgress(report);
                return;
            } catch (StatusRuntimeException e) {
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.ALREADY_EXISTS || code == Status.Code.UNIMPLEMENTED || code == Status.Code.PERMISSION_DENIED) {
                    reporting = false; // someone else's load of that name, or a gateway without operations: the console only
                    say("progress is not reported through the API (" + code + ": " + e.getStatus().getDescription() + ")");
                    return;
                }
                if (!last || attempt == 3) {
                    say("a progress report did not reach the gateway (" + code + "); the next one may");
                    return;
                }
            }
        }
    }

    private void attributeSchema() {
        var schema = AttributeSchemaGrpc.newBlockingStub(channel).withCallCredentials(partner);
        for (AttributeDefinition definition : attributeDefinitions()) {
            schema.createAttributeDefinition(CreateAttributeDefinitionRequest.newBuilder().setDefinition(definition).build());
        }
        say("attribute schema: " + DemoBrand.CUSTOM_ATTRIBUTES.size() + " custom attributes declared");
        stepDone("help centre");
    }

    /** The demo's custom attributes as declared through the API (declaring the same again changes nothing). */
    public static List<AttributeDefinition> attributeDefinitions() {
        return DemoBrand.CUSTOM_ATTRIBUTES.stream().map(attribute -> AttributeDefinition.newBuilder()
                .setName(attribute[0]).setType(AttributeDefinition.Type.valueOf(attribute[1])).setDataCategory(attribute[2])
                .setMergeRule(attribute[1].equals("LIST") ? AttributeDefinition.MergeRule.UNION : AttributeDefinition.MergeRule.NEWEST_WINS)
                .build()).toList();
    }

    /** The help centre, imported per language (articles matched by key: importing again replaces them). */
    private void helpCentre() throws IOException, InterruptedException {
        for (String language : List.of("en", "ko")) {
            String json;
            try (InputStream in = LoadDemo.class.getResourceAsStream("help-centre-" + language + ".json")) {
                json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(gateway + "/api/v1/articles/import"))
                    .header("Authorization", "Bearer " + admin.value()).header("Content-Type", "application/json")
                    .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("importing the " + language + " help centre: " + response.statusCode() + " " + response.body());
            }
            say("help centre (" + language + "): " + response.body());
            stepDone(language.equals("en") ? "help centre" : "customers");
        }
    }

    private void customers() throws Exception {
        if (loaded(customers)) {
            say("customers: all " + customers + " already loaded");
            done.addAndGet(customers);
            report("RFM scores", Run.GOING);
            return;
        }
        // an interrupted load goes on where it stopped: customers go in in order, a worker's width at a time
        int low = 0;
        int high = customers;
        while (low < high) {
            int middle = (low + high + 1) / 2;
            if (loaded(middle)) {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        int first = Math.max(1, low - WORKERS);
        if (first > 1) {
            say("customers: resuming at " + first);
            done.addAndGet(first - 1);
        }
        long started = System.nanoTime();
        AtomicInteger loadedNow = new AtomicInteger();
        AtomicInteger events = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(WORKERS);
        try {
            List<Future<?>> loading = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
                int worker = w;
                loading.add(workers.submit(() -> {
                    for (int i = first + worker; i <= customers; i += WORKERS) {
                        events.addAndGet(customer(brand.customer(i)));
                        int now = loadedNow.incrementAndGet();
                        done.incrementAndGet();
                        int n = now + first - 1;
                        if (n % 500 == 0 || n == customers) {
                            double seconds = (System.nanoTime() - started) / 1e9;
                            say(String.format("customers: %d/%d (%d%%), %d events, %.0f customers/s", n, customers, 100L * n / customers,
                                    events.get(), now / seconds));
                            report(n == customers ? "RFM scores" : "customers", Run.GOING);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : loading) {
                f.get();
            }
        } finally {
            workers.shutdownNow();
        }
    }

    private boolean loaded(int customer) {
        if (customer < 1) {
            return true;
        }
        try {
            ProfilesGrpc.newBlockingStub(channel).withCallCredentials(partner)
                    .getProfile(GetProfileRequest.newBuilder().setIdentifier(externalId(customer)).build());
            return true;
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw e;
            }
            return false;
        }
    }

    /** One customer: their history (which makes the profile), then their attributes and consents. Returns the events sent. */
    private int customer(DemoBrand.Customer customer) {
        RecordEventBatchRequest.Builder batch = RecordEventBatchRequest.newBuilder();
        for (DemoBrand.Event e : customer.events()) {
            batch.addRequests(RecordEventRequest.newBuilder().setIdentifier(externalId(customer.index())).setEvent(Event.newBuilder()
                    .setId(e.id()).setName(e.name()).setOccurTime(timestamp(e.time()))
                    .setProperties(struct(e.properties()))
                    .setContext(EventContext.newBuilder().setPlatform(customer.platform()).setDeviceModel(customer.device())
                            .setAppVersion(customer.appVersion()).setLocale(customer.language()))));
        }
        String profileId = EventsGrpc.newBlockingStub(channel).withCallCredentials(partner).withDeadlineAfter(60, TimeUnit.SECONDS)
                .recordEventBatch(batch.build()).getResults(0).getProfileId();
        var attributes = UpdateAttributesRequest.newBuilder().setProfileId(profileId).setSource("demo");
        customer.attributes().forEach((name, value) -> attributes.putAttributes(name, value(value)));
        ProfilesGrpc.newBlockingStub(channel).withCallCredentials(partner).updateAttributes(attributes.build());
        var consents = ConsentsGrpc.newBlockingStub(channel).withCallCredentials(partner);
        Instant signedUp = customer.events().get(0).time();
        for (DemoBrand.Consent c : customer.consents()) {
            try {
                consents.recordConsent(RecordConsentRequest.newBuilder().setSubject(profileId).setPurpose(c.purpose()).setChannel(c.channel())
                        .setDataCategory(c.dataCategory()).setGranted(c.granted()).setMethod(c.method()).setNoticeVersion(NOTICE)
                        .setJurisdiction(customer.city().jurisdiction()).setDecisionTime(timestamp(signedUp))
                        .setRequestId(String.join("/", customer.externalId(), c.purpose(), c.channel(), c.dataCategory())).build());
            } catch (StatusRuntimeException e) {
                // recorded by an earlier load (a day earlier the history, and so the decision time, ended elsewhere)
                if (e.getStatus().getCode() != Status.Code.FAILED_PRECONDITION) {
                    throw e;
                }
            }
        }
        return customer.events().size();
    }

    /** A segment of each family, created once by name; then everyone's RFM scores. */
    private void segments() throws Exception {
        var segments = SegmentsGrpc.newBlockingStub(channel).withCallCredentials(admin);
        List<String> existing = segments.listSegments(ListSegmentsRequest.newBuilder().setPageSize(500).build()).getSegmentsList().stream()
                .map(s -> s.getName()).toList();
        segments.withDeadlineAfter(10, TimeUnit.MINUTES).computeRfm(ComputeRfmRequest.getDefaultInstance());
        say("RFM scores computed");
        stepDone("segments");
        int created = 0;
        for (DemoSegments.Definition d : DemoSegments.ALL) {
            if (existing.contains(d.name())) {
                continue;
            }
            Struct.Builder definition = Struct.newBuilder();
            JsonFormat.parser().merge(d.json(), definition);
            var segment = segments.withDeadlineAfter(5, TimeUnit.MINUTES).createSegment(CreateSegmentRequest.newBuilder()
                    .setName(d.name()).setDescription(d.description()).setPurpose(d.purpose()).setDefinition(definition).build());
            say("segment " + d.name() + ": " + segment.getSize().getMembers() + " members");
            created++;
            stepDone("segments");
        }
        done.addAndGet(DemoSegments.ALL.size() - created);
        say("segments: " + created + " created, " + (DemoSegments.ALL.size() - created) + " already there");
    }

    /** The demo's campaigns, each created once (its request id), the journeys activated on creation. */
    private void campaigns() throws Exception {
        var campaigns = CampaignsGrpc.newBlockingStub(channel).withCallCredentials(admin);
        var segments = SegmentsGrpc.newBlockingStub(channel).withCallCredentials(admin)
                .listSegments(ListSegmentsRequest.newBuilder().setPageSize(500).build()).getSegmentsList();
        for (DemoCampaigns.Definition d : DemoCampaigns.ALL) {
            String json = d.json();
            if (d.segment() != null) {
                String segment = segments.stream().filter(s -> s.getName().equals(d.segment())).findFirst()
                        .orElseThrow(() -> new IllegalStateException("the demo segment " + d.segment() + " is missing")).getId();
                json = json.replace("SEGMENT", segment);
            }
            Campaign.Builder definition = Campaign.newBuilder();
            JsonFormat.parser().merge(json, definition);
            Campaign campaign = campaigns.createCampaign(CreateCampaignRequest.newBuilder().setCampaign(definition)
                    .setRequestId("mealtide-campaign-" + d.key()).build());
            // Activated when first created; what a user paused or archived since stays so.
            if (d.active() && campaign.getStatus() == Campaign.Status.DRAFT) {
                campaign = campaigns.changeCampaignStatus(ChangeCampaignStatusRequest.newBuilder().setCampaignId(campaign.getId())
                        .setStatus(Campaign.Status.ACTIVE).build());
            }
            say("campaign " + campaign.getName() + ": " + campaign.getStatus().name().toLowerCase() + (campaign.hasJourney()
                    ? ", triggered by " + campaign.getJourney().getTriggerEvent() : ", to the segment " + d.segment()));
            stepDone("campaigns");
        }
    }

    private static Identifier externalId(int i) {
        return Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue(DemoBrand.externalId(i)).build();
    }

    private static Timestamp timestamp(Instant time) {
        return Timestamp.newBuilder().setSeconds(time.getEpochSecond()).setNanos(time.getNano()).build();
    }

    private static Struct struct(Map<String, ?> map) {
        Struct.Builder struct = Struct.newBuilder();
        map.forEach((k, v) -> struct.putFields(k, value(v)));
        return struct.build();
    }

    static Value value(Object v) {
        return switch (v) {
            case null -> Value.newBuilder().setNullValue(NullValue.NULL_VALUE).build();
            case String s -> Value.newBuilder().setStringValue(s).build();
            case Number n -> Value.newBuilder().setNumberValue(n.doubleValue()).build();
            case Boolean b -> Value.newBuilder().setBoolValue(b).build();
            case List<?> list -> Value.newBuilder().setListValue(ListValue.newBuilder()
                    .addAllValues(list.stream().map(LoadDemo::value).toList())).build();
            case Map<?, ?> map -> {
                Struct.Builder struct = Struct.newBuilder();
                map.forEach((k, x) -> struct.putFields(String.valueOf(k), value(x)));
                yield Value.newBuilder().setStructValue(struct).build();
            }
            default -> throw new IllegalArgumentException("not a JSON value: " + v);
        };
    }

    private static void say(String line) {
        System.out.println("[demo] " + line);
    }

    /** A Keycloak access token, fetched again a minute before it expires; sent on every call. */
    private static final class Token extends CallCredentials {
        private final String grant;
        private final Map<String, String> form;
        private String value;
        private Instant expires = Instant.EPOCH;

        Token(String grant, Map<String, String> form) {
            this.grant = grant;
            this.form = form;
        }

        synchronized String value() {
            if (Instant.now().isAfter(expires)) {
                StringBuilder body = new StringBuilder("grant_type=" + grant);
                form.forEach((k, v) -> body.append('&').append(k).append('=').append(java.net.URLEncoder.encode(v, StandardCharsets.UTF_8)));
                try {
                    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(REALM + "/protocol/openid-connect/token"))
                            .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                            .build(), HttpResponse.BodyHandlers.ofString());
                    var json = new io.vertx.core.json.JsonObject(response.body());
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("no token from Keycloak: " + response.body());
                    }
                    value = json.getString("access_token");
                    expires = Instant.now().plusSeconds(Math.max(10, json.getLong("expires_in") - 60));
                } catch (IOException e) {
                    throw new IllegalStateException("Keycloak is not reachable at " + REALM, e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            return value;
        }

        @Override
        public void applyRequestMetadata(RequestInfo info, java.util.concurrent.Executor executor, MetadataApplier applier) {
            executor.execute(() -> {
                try {
                    Metadata headers = new Metadata();
                    headers.put(AUTHORIZATION, "Bearer " + value());
                    applier.apply(headers);
                } catch (RuntimeException e) {
                    applier.fail(Status.UNAUTHENTICATED.withDescription(e.getMessage()).withCause(e));
                }
            });
        }
    }
}
