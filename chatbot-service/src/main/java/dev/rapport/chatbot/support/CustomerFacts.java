package dev.rapport.chatbot.support;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Value;

import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.proto.segment.v1.ListMembershipsRequest;
import dev.rapport.proto.segment.v1.SegmentService;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/**
 * What an agent (and the routing) may know of a signed-in customer: the profile attributes whose data categories the
 * policy lets the {@code support} purpose see (who they are, how to reach them, their account and plan — not their
 * behaviour or finances; nothing when the policy lists nothing for support), and of their segments only those a team
 * is routed by, for the routing alone (segments are behaviour data: agents never see them). Read from profile-service and
 * segment-service when the conversation starts; the chat goes on without them when either is away.
 */
@ApplicationScoped
public class CustomerFacts {
    public static final String PURPOSE = "support";
    private static final Duration CALL = Duration.ofSeconds(2);

    public record Facts(Map<String, String> attributes, List<String> segments) {
    }

    private final ProfileService profiles;
    private final SegmentService memberships;
    private final ConsentPolicy policy;
    private final Set<String> routingSegments;

    CustomerFacts(@GrpcClient("profile") ProfileService profiles, @GrpcClient("segment") SegmentService memberships,
            ConsentPolicy policy, Teams teams) {
        this.profiles = profiles;
        this.memberships = memberships;
        this.policy = policy;
        this.routingSegments = teams.all().stream().flatMap(t -> t.segments().stream()).collect(Collectors.toUnmodifiableSet());
    }

    /** Definitions never change once created: read again only when a profile holds an attribute not seen yet. */
    private volatile List<AttributeDefinition> definitions = List.of();

    public Uni<Facts> of(UUID profile) {
        Uni<Map<String, String>> attributes = profiles.getProfile(GetProfileRequest.newBuilder().setProfileId(profile.toString()).build())
                .flatMap(found -> definitionsFor(found).map(known -> visible(found, known, policy)));
        Uni<List<String>> segments = routingSegments.isEmpty() ? Uni.createFrom().item(List.of())
                : memberships.listMemberships(ListMembershipsRequest.newBuilder().setProfileId(profile.toString()).build())
                        .map(found -> found.getMembershipsList().stream().map(m -> m.getSegmentName())
                                .filter(routingSegments::contains).sorted().toList());
        return Uni.combine().all().unis(attributes.ifNoItem().after(CALL).fail(), segments.ifNoItem().after(CALL).fail())
                .asTuple().map(t -> new Facts(t.getItem1(), t.getItem2()));
    }

    private Uni<List<AttributeDefinition>> definitionsFor(Profile profile) {
        List<AttributeDefinition> known = definitions;
        Set<String> names = known.stream().map(AttributeDefinition::getName).collect(Collectors.toSet());
        if (names.containsAll(profile.getAttributesMap().keySet())) {
            return Uni.createFrom().item(known);
        }
        return profiles.listAttributeDefinitions(ListAttributeDefinitionsRequest.getDefaultInstance())
                .map(listed -> definitions = List.copyOf(listed.getDefinitionsList()));
    }

    /** The attributes a purpose may see, as text; an attribute without a known data category is never shown. */
    static Map<String, String> visible(Profile profile, List<AttributeDefinition> definitions, ConsentPolicy policy) {
        Map<String, String> categories = new LinkedHashMap<>();
        definitions.forEach(d -> categories.put(d.getName(), d.getDataCategory()));
        Map<String, String> visible = new TreeMap<>();
        profile.getAttributesMap().forEach((name, value) -> {
            String category = categories.get(name);
            String text = text(value);
            if (category != null && !category.isEmpty() && policy.reveals(PURPOSE, category) && text != null) {
                visible.put(name, text);
            }
        });
        return visible;
    }

    private static String text(Value value) {
        return switch (value.getKindCase()) {
            case STRING_VALUE -> value.getStringValue();
            case BOOL_VALUE -> String.valueOf(value.getBoolValue());
            case NUMBER_VALUE -> value.getNumberValue() == Math.rint(value.getNumberValue()) && Math.abs(value.getNumberValue()) < 1e15
                    ? String.valueOf((long) value.getNumberValue()) : String.valueOf(value.getNumberValue());
            case LIST_VALUE -> value.getListValue().getValuesList().stream().map(CustomerFacts::text)
                    .filter(java.util.Objects::nonNull).collect(Collectors.joining(", "));
            default -> null; // structures (a location) are not facts an agent reads
        };
    }
}
