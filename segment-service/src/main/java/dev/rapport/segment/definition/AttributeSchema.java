package dev.rapport.segment.definition;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.ListAttributeDefinitionsRequest;
import dev.rapport.proto.profile.v1.ProfileService;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.mutiny.Uni;

/**
 * The profile attributes and their types, as profile-service declares them. Kept a short while; a definition naming
 * an attribute not held yet asks again (it may have just been declared). Types never change once declared.
 */
@ApplicationScoped
public class AttributeSchema {
    private static final Duration KEEP = Duration.ofSeconds(30);

    private final ProfileService profiles;
    private volatile Map<String, AttributeDefinition.Type> types = Map.of();
    private volatile long fetchedAt;

    AttributeSchema(@GrpcClient("profile") ProfileService profiles) {
        this.profiles = profiles;
    }

    /** Every attribute's type, fetched again when stale or when one of {@code wanted} is unknown. */
    public Uni<Map<String, AttributeDefinition.Type>> types(Collection<String> wanted) {
        boolean fresh = System.nanoTime() - fetchedAt < KEEP.toNanos();
        if (fresh && types.keySet().containsAll(wanted)) {
            return Uni.createFrom().item(types);
        }
        return profiles.listAttributeDefinitions(ListAttributeDefinitionsRequest.getDefaultInstance())
                .ifNoItem().after(Duration.ofSeconds(5)).fail()
                .map(response -> {
                    Map<String, AttributeDefinition.Type> all = response.getDefinitionsList().stream()
                            .collect(Collectors.toUnmodifiableMap(AttributeDefinition::getName, AttributeDefinition::getType));
                    types = all;
                    fetchedAt = System.nanoTime();
                    return all;
                });
    }
}
