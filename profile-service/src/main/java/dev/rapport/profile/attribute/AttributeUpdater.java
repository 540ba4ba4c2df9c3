package dev.rapport.profile.attribute;

import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Value;

import dev.rapport.profile.profile.StoredTime;
import dev.rapport.profile.identity.Identifiers;
import dev.rapport.profile.profile.ChangeSource;
import dev.rapport.profile.profile.ProfileChanges;
import dev.rapport.profile.profile.ProfileRepository;
import dev.rapport.profile.trait.TraitRepository;
import dev.rapport.proto.profile.v1.AttributeChange;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.proto.profile.v1.UpdateAttributesRequest;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.db.LockConflicts;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * Changes a profile's attributes: checks every value against its definition first (nothing is written when one is
 * wrong), then, in one transaction with the profile locked, writes what really changed as a new version and
 * announces it on {@code profile.changes}.
 */
@ApplicationScoped
public class AttributeUpdater {
    private final Pool pool;
    private final AttributeDefinitions definitions;
    private final AttributeRepository attributes;
    private final ProfileRepository profiles;
    private final TraitRepository traits;
    private final ProfileChanges changes;

    AttributeUpdater(Pool pool, AttributeDefinitions definitions, AttributeRepository attributes, ProfileRepository profiles,
            TraitRepository traits, ProfileChanges changes) {
        this.pool = pool;
        this.definitions = definitions;
        this.attributes = attributes;
        this.profiles = profiles;
        this.traits = traits;
        this.changes = changes;
    }

    /** Answers the id of the profile changed. */
    public Uni<UUID> update(UpdateAttributesRequest request) {
        boolean byId = !request.getProfileId().isEmpty();
        if (byId == request.hasIdentifier()) {
            throw new InvalidInput("profile_id", "set either profile_id or identifier");
        }
        UUID profileId = byId ? Ids.profile("profile_id", request.getProfileId()) : null;
        if (!byId) {
            Identifiers.check("identifier", request.getIdentifier());
        }
        String source = ChangeSource.of(request.getSource());
        return definitions.of(request.getAttributesMap().keySet()).flatMap(known -> {
            Map<String, Value> values = AttributeValidation.check(request.getAttributesMap(), known, LocalDate.now(ZoneOffset.UTC));
            // PostgreSQL may break a lock cycle with the event path (both touch the profile's rows) by failing one side: run again
            return pool.withTransaction(tx -> target(tx, profileId, request.getIdentifier())
                    .flatMap(id -> apply(tx, id, values, source).replaceWith(id)))
                    .onFailure(LockConflicts::isRetryable).retry().atMost(3);
        });
    }

    private Uni<UUID> target(SqlClient tx, UUID profileId, Identifier identifier) {
        Uni<UUID> found = profileId != null ? Uni.createFrom().item(profileId)
                : profiles.findOrCreateAll(tx, List.of(identifier)).map(ids -> ids.get(identifier));
        return found.flatMap(id -> profiles.lockForChange(tx, id)).map(locked -> locked.orElseThrow(() -> new NotFound("profile")));
    }

    private Uni<Void> apply(SqlClient tx, UUID id, Map<String, Value> values, String source) {
        OffsetDateTime now = StoredTime.now();
        return attributes.values(tx, id, values.keySet()).flatMap(current -> {
            List<AttributeChange> changed = new ArrayList<>();
            Map<String, Value> writes = new java.util.LinkedHashMap<>();
            values.forEach((name, value) -> {
                Optional<Value> before = Optional.ofNullable(current.get(name)).map(AttributeRepository.Stored::value);
                boolean removal = value.hasNullValue();
                if (removal ? before.isEmpty() : before.filter(value::equals).isPresent()) {
                    return; // unchanged: no new version
                }
                writes.put(name, value);
                AttributeChange.Builder change = AttributeChange.newBuilder().setAttribute(name)
                        .setChangeTime(Envelopes.timestamp(now.toInstant())).setSource(source)
                        .setOldValue(before.orElse(AttributeValidation.nullValue()));
                change.setNewValue(value);
                changed.add(change.build());
            });
            if (changed.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            return attributes.write(tx, id, writes, now, source)
                    .flatMap(x -> profiles.newVersion(tx, id, now, source, changed))
                    .call(x -> writes.containsKey(StandardAttribute.TIME_ZONE.attributeName()) ? traits.recomputeEngagement(tx, id) : Uni.createFrom().voidItem())
                    .flatMap(version -> changes.publish(ProfileChanged.newBuilder().setProfileId(id.toString()).setVersion(version)
                            .addAllChanges(changed).setChangeTime(Envelopes.timestamp(now.toInstant())).setSource(source)));
        });
    }
}
