package dev.rapport.campaign.content;

import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;

import dev.rapport.campaign.config.CampaignConfig;
import dev.rapport.campaign.message.LiquidTemplates;
import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.ConnectedContent;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;

/**
 * Connected content: data fetched at send time into a person's message ({@code content.<name>}). The URL is a
 * template over what the campaign's purpose may reveal of the person (the consent policy's purpose_categories: never
 * their contact details or behaviour), each value URL-encoded; the host must be allowed and public (FetchPolicy), the
 * connection goes to the very address that was checked (no second lookup a DNS answer could change), no redirect is
 * followed, an answer is read up to a limit and must be JSON. Answers are shared across recipients with the same URL
 * for the campaign's time to live; failures are retried with backoff, then the campaign's fallback applies.
 */
@ApplicationScoped
public class ConnectedContents {
    private static final Logger LOG = Logger.getLogger(ConnectedContents.class);
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    // Kept answers are weighed by their size: at most this much in all (a per-person URL fills it with answers never read again).
    private static final long CACHE_BYTES = 16L * 1024 * 1024;

    /** What a person's message gets: the content by name, or (skipped not null) why they get nothing this time. */
    public record Content(Struct values, String skipped) {
    }

    /** A fetch that cannot succeed as it is (refused, 4xx, too large, not JSON): not retried. */
    static final class Unusable extends RuntimeException {
        Unusable(String message) {
            super(message, null, false, false);
        }
    }

    private record Cached(Uni<Value> answer, long until, java.util.concurrent.atomic.AtomicLong bytes) {
    }

    /** One source's answer for one person, or why there is none. */
    private record Fetched(ConnectedContent source, Value value, String failure) {
    }

    private final Vertx vertx;
    private final HttpClient http;
    private final FetchPolicy policy;
    private final int maxBytes;
    private final ProfileService profiles;
    private final ConsentPolicy consent;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();
    private volatile List<AttributeDefinition> definitions = List.of();

    ConnectedContents(Vertx vertx, CampaignConfig config, @GrpcClient("profile") ProfileService profiles, ConsentPolicy consent) {
        this.vertx = vertx;
        this.policy = new FetchPolicy(config.connectedContent().allowedHosts().orElse(List.of()), config.connectedContent().allowPrivate());
        this.maxBytes = config.connectedContent().maxBytes();
        this.profiles = profiles;
        this.consent = consent;
        this.http = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) DEFAULT_TIMEOUT.toMillis()).setMaxPoolSize(16)
                .setVerifyHost(true));
    }

    public FetchPolicy policy() {
        return policy;
    }

    /** The connected content of a campaign for one person (nothing to do without any). */
    public Uni<Content> fetch(Campaign campaign, Profile profile) {
        if (campaign.getConnectedContentCount() == 0) {
            return Uni.createFrom().item(new Content(Struct.getDefaultInstance(), null));
        }
        return revealed(campaign.getPurpose(), profile).flatMap(person -> Multi.createFrom().iterable(campaign.getConnectedContentList())
                // the sources at once: their worst cases overlap instead of adding up
                .onItem().transformToUniAndMerge(source -> one(source, person)
                        .map(value -> new Fetched(source, value, null))
                        .onFailure().recoverWithItem(failure -> {
                            LOG.debugf("connected content %s of campaign %s not had: %s", source.getName(), campaign.getId(), failure.getMessage());
                            return new Fetched(source, null, why(failure));
                        }))
                .collect().asList()
                .map(results -> {
                    Struct.Builder values = Struct.newBuilder();
                    results.sort(java.util.Comparator.comparingInt(r -> campaign.getConnectedContentList().indexOf(r.source())));
                    for (Fetched result : results) {
                        ConnectedContent source = result.source();
                        if (result.failure() == null) {
                            values.putFields(source.getName(), result.value());
                        } else if (source.getOnFailure() == ConnectedContent.Fallback.USE_DEFAULT) {
                            values.putFields(source.getName(), source.getDefaultValue());
                        } else {
                            return new Content(null, "connected content " + source.getName() + " unavailable (" + result.failure() + ")");
                        }
                    }
                    return new Content(values.build(), null);
                }));
    }

    /** One source for one person: the rendered URL's answer, from the cache while it is fresh. */
    Uni<Value> one(ConnectedContent source, Map<String, Object> person) {
        URI url;
        try {
            url = URI.create(LiquidTemplates.render(LiquidTemplates.parse(source.getUrl()), Map.of("profile", person)));
        } catch (LiquidTemplates.RenderFailure | IllegalArgumentException e) {
            return Uni.createFrom().failure(new Unusable("the URL does not render to a URL"));
        }
        Optional<String> refused = policy.refusal(url);
        if (refused.isPresent()) {
            return Uni.createFrom().failure(new Unusable(refused.get()));
        }
        Duration ttl = source.hasCacheTtl() ? Duration.ofSeconds(source.getCacheTtl().getSeconds()) : DEFAULT_TTL;
        String key = url.toString();
        long now = System.nanoTime();
        Cached cached = cache.get(key);
        if (cached != null && cached.until() - now > 0) {
            return cached.answer();
        }
        Duration timeout = source.hasTimeout() ? Duration.ofMillis(source.getTimeout().getSeconds() * 1000 + source.getTimeout().getNanos() / 1_000_000)
                : DEFAULT_TIMEOUT;
        java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();
        Uni<Value> answer = get(url, timeout, bytes)
                .onFailure(f -> !(f instanceof Unusable)).retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2)).atMost(source.getRetries())
                .onFailure().invoke(f -> cache.remove(key)) // a failure is not kept: the next person tries again
                .memoize().indefinitely();
        if (!ttl.isZero()) {
            long kept = cache.values().stream().mapToLong(c -> c.bytes().get()).sum();
            if (kept + maxBytes > CACHE_BYTES) {
                cache.entrySet().removeIf(e -> e.getValue().until() - now <= 0);
                kept = cache.values().stream().mapToLong(c -> c.bytes().get()).sum();
            }
            if (kept + maxBytes <= CACHE_BYTES) {
                cache.put(key, new Cached(answer, now + ttl.toNanos(), bytes));
            }
        }
        return answer;
    }

    /** One attempt: resolve, check every address, connect to the checked one, read at most maxBytes of JSON. */
    private Uni<Value> get(URI url, Duration timeout, java.util.concurrent.atomic.AtomicLong bytes) {
        String host = url.getHost();
        boolean https = url.getScheme().equalsIgnoreCase("https");
        int port = url.getPort() > 0 ? url.getPort() : https ? 443 : 80;
        String path = (url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath())
                + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        return vertx.<InetAddress[]>executeBlocking(() -> InetAddress.getAllByName(host))
                .map(addresses -> {
                    for (InetAddress address : addresses) {
                        policy.refusal(address).ifPresent(why -> {
                            throw new Unusable(why);
                        });
                    }
                    return addresses[0];
                })
                .flatMap(address -> http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port).setURI(path)
                                .setSsl(https).setServer(SocketAddress.inetSocketAddress(port, address.getHostAddress()))
                                .setFollowRedirects(false).setTimeout(timeout.toMillis()).putHeader("Accept", "application/json"))
                        .flatMap(request -> request.send()
                        .flatMap(response -> {
                            if (response.statusCode() >= 400 && response.statusCode() < 500) {
                                throw new Unusable("it answered " + response.statusCode());
                            }
                            if (response.statusCode() < 200 || response.statusCode() >= 300) {
                                throw new IllegalStateException("it answered " + response.statusCode()); // 5xx, 3xx: retried
                            }
                            String length = response.getHeader("Content-Length");
                            if (length != null && length.matches("\\d{1,18}") && Long.parseLong(length) > maxBytes) {
                                throw new Unusable("its answer is over " + maxBytes + " bytes");
                            }
                            Buffer body = Buffer.buffer();
                            return response.toMulti().invoke(chunk -> {
                                if (body.length() + chunk.length() > maxBytes) {
                                    throw new Unusable("its answer is over " + maxBytes + " bytes");
                                }
                                body.appendBuffer(chunk);
                            }).collect().last().map(x -> {
                                bytes.set(body.length());
                                return json(body.toString(StandardCharsets.UTF_8));
                            });
                        })
                        .ifNoItem().after(timeout.plusMillis(500)).failWith(() -> new IllegalStateException("no answer within " + timeout.toMillis() + " ms"))
                        // what is not read to the end is not left streaming on a pooled connection: the stream is reset
                        .onFailure().invoke(f -> request.reset())));
    }

    private static Value json(String text) {
        Value.Builder value = Value.newBuilder();
        try {
            JsonFormat.parser().merge(text, value);
        } catch (InvalidProtocolBufferException e) {
            throw new Unusable("its answer is not JSON");
        }
        return value.build();
    }

    /** Why a fetch failed, without internals. */
    private static String why(Throwable failure) {
        if (failure instanceof Unusable || failure instanceof IllegalStateException) {
            return failure.getMessage();
        }
        if (failure instanceof io.netty.handler.timeout.TimeoutException || failure instanceof java.util.concurrent.TimeoutException
                || String.valueOf(failure.getMessage()).contains("timeout")) {
            return "no answer in time";
        }
        if (failure instanceof java.net.UnknownHostException) {
            return "the host is unknown";
        }
        return "it could not be reached (" + failure.getClass().getSimpleName() + ")";
    }

    /** The person as a URL may see them for this purpose: their id, and the attributes whose category it may reveal. */
    Uni<Map<String, Object>> revealed(String purpose, Profile profile) {
        return definitionsFor(profile).map(known -> {
            Map<String, String> categories = known.stream().collect(Collectors.toMap(AttributeDefinition::getName, AttributeDefinition::getDataCategory,
                    (a, b) -> a));
            Map<String, Object> person = new HashMap<>();
            person.put("id", profile.getId());
            profile.getAttributesMap().forEach((name, value) -> {
                String category = categories.get(name);
                String text = scalar(value);
                if (category != null && !category.isEmpty() && text != null && consent.reveals(purpose, category)) {
                    person.put(name, URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20"));
                }
            });
            return person;
        });
    }

    /** Definitions never change once created: read again only when a profile holds an attribute not seen yet. */
    private Uni<List<AttributeDefinition>> definitionsFor(Profile profile) {
        List<AttributeDefinition> known = definitions;
        if (known.stream().map(AttributeDefinition::getName).collect(Collectors.toSet()).containsAll(profile.getAttributesMap().keySet())) {
            return Uni.createFrom().item(known);
        }
        return profiles.listAttributeDefinitions(ListAttributeDefinitionsRequest.getDefaultInstance())
                .map(listed -> definitions = List.copyOf(listed.getDefinitionsList()));
    }

    private static String scalar(Value value) {
        return switch (value.getKindCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> String.valueOf(value.getBoolValue());
            case NUMBER_VALUE -> value.getNumberValue() == Math.rint(value.getNumberValue()) && Math.abs(value.getNumberValue()) < 1e15
                    ? String.valueOf((long) value.getNumberValue()) : String.valueOf(value.getNumberValue());
            default -> null;
        };
    }

    /** Why these sources could never be fetched here (activation refuses them), one line each. */
    public List<String> refusals(Campaign campaign) {
        List<String> refusals = new ArrayList<>();
        for (ConnectedContent source : campaign.getConnectedContentList()) {
            policy.refusalOfTemplate(source.getUrl()).filter(why -> !refusals.contains(why)).ifPresent(refusals::add);
        }
        return refusals;
    }
}
