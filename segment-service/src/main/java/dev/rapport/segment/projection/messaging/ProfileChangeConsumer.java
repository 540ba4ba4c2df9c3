package dev.rapport.segment.projection.messaging;

import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.runtime.db.LockConflicts;
import dev.rapport.segment.engagement.EngagementRepository;
import dev.rapport.segment.privacy.ProfileEraser;
import dev.rapport.segment.projection.Projection;
import dev.rapport.segment.segment.Memberships;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * Follows {@code profile.changes}: attribute changes re-evaluate the segments that use those attributes; a merged
 * profile's events move to the survivor (re-evaluated in every segment) and it leaves its segments; an erased profile
 * leaves everything and nothing of it stays. Idempotent on the profile version.
 */
@ApplicationScoped
public class ProfileChangeConsumer {
    private final Pool pool;
    private final Projection projection;
    private final EngagementRepository engagement;
    private final Memberships memberships;
    private final ProfileEraser eraser;

    ProfileChangeConsumer(Pool pool, Projection projection, EngagementRepository engagement, Memberships memberships, ProfileEraser eraser) {
        this.pool = pool;
        this.projection = projection;
        this.engagement = engagement;
        this.memberships = memberships;
        this.eraser = eraser;
    }

    @Incoming("profile-changes")
    public Uni<Void> onChange(ProfileChanged change) {
        UUID profile = UUID.fromString(change.getProfileId());
        return pool.withTransaction(tx -> apply(tx, profile, change))
                .onFailure(LockConflicts::isRetryable).retry().atMost(5);
    }

    private Uni<Void> apply(SqlClient tx, UUID profile, ProfileChanged change) {
        if (change.getErased()) {
            return eraser.erase(tx, profile);
        }
        if (!change.getMergedIntoProfileId().isEmpty()) {
            return projection.lockForMerge(tx, profile, UUID.fromString(change.getMergedIntoProfileId()))
                    .flatMap(survivor -> memberships.removeProfile(tx, profile)
                            .flatMap(x -> projection.merge(tx, profile, survivor))
                            .flatMap(x -> engagement.merge(tx, profile, survivor))
                            .flatMap(x -> memberships.reevaluate(tx, Set.of(survivor), inputs -> true)))
                    .replaceWithVoid();
        }
        return projection.applyAttributes(tx, change).flatMap(names -> {
            if (change.hasMerge()) {
                // The merged profile's events and attributes are the survivor's now: everything may have changed.
                return memberships.reevaluate(tx, Set.of(profile), inputs -> true);
            }
            return names.isEmpty() ? Uni.createFrom().item(java.util.List.of())
                    : memberships.reevaluate(tx, Set.of(profile), inputs -> inputs.usesAttributes(names));
        }).replaceWithVoid();
    }
}
