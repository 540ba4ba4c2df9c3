package dev.rapport.segment.projection.messaging;

import dev.rapport.runtime.db.DatabaseOutages;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.segment.engagement.EngagementRepository;
import dev.rapport.segment.privacy.ProfileEraser;
import dev.rapport.segment.projection.Projection;
import dev.rapport.segment.segment.Memberships;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * Follows {@code profile.changes}: attribute changes re-evaluate the segments that use those attributes; a merged
 * profile's events move to the survivor (re-evaluated in every segment) and it leaves its segments; an erased profile
 * leaves everything and nothing of it stays. A polled batch at a time, in one transaction (a bulk import of attributes
 * is absorbed at the pace of batches, not of transactions). Idempotent on the profile version.
 */
@ApplicationScoped
public class ProfileChangeConsumer {
    private static final Logger LOG = Logger.getLogger(ProfileChangeConsumer.class);
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
    public Uni<Void> onChanges(List<ProfileChanged> changes) {
        return DatabaseOutages.waitedOut("applying profile changes", () -> pool.withTransaction(tx -> apply(tx, changes)))
                .onFailure(f -> changes.size() > 1).recoverWithUni(f -> oneByOne(changes));
    }

    /**
     * A batch that failed for something in it: each change in its own transaction, so that the others are applied; the
     * batch still fails when one does, and goes to the dead-letter topic whole (the applied ones are no-ops when read again).
     */
    private Uni<Void> oneByOne(List<ProfileChanged> changes) {
        List<Throwable> failures = new ArrayList<>();
        return Multi.createFrom().iterable(changes)
                .onItem().transformToUniAndConcatenate(change -> DatabaseOutages.waitedOut("applying a profile change",
                                () -> pool.withTransaction(tx -> apply(tx, List.of(change))))
                        .onFailure().invoke(f -> LOG.errorf("profile change %s not applied: %s", change.getEnvelope().getId(), f.toString()))
                        .onFailure().invoke(failures::add)
                        .onFailure().recoverWithNull())
                .collect().last()
                .flatMap(x -> failures.isEmpty() ? Uni.createFrom().voidItem() : Uni.createFrom().failure(failures.get(0)));
    }

    /**
     * A polled batch in one transaction, in its order: attribute changes are gathered and re-evaluated together; an
     * erasure or a merge is applied in its place, after the changes before it.
     */
    private Uni<Void> apply(SqlClient tx, List<ProfileChanged> changes) {
        Uni<Void> applied = Uni.createFrom().voidItem();
        List<ProfileChanged> gathered = new ArrayList<>();
        for (ProfileChanged change : changes) {
            if (change.getErased() || !change.getMergedIntoProfileId().isEmpty()) {
                List<ProfileChanged> before = List.copyOf(gathered);
                gathered.clear();
                applied = applied.flatMap(x -> attributes(tx, before)).flatMap(x -> erasureOrMerge(tx, change));
            } else {
                gathered.add(change);
            }
        }
        return applied.flatMap(x -> attributes(tx, gathered));
    }

    private Uni<Void> erasureOrMerge(SqlClient tx, ProfileChanged change) {
        UUID profile = UUID.fromString(change.getProfileId());
        if (change.getErased()) {
            return eraser.erase(tx, profile);
        }
        return projection.lockForMerge(tx, profile, UUID.fromString(change.getMergedIntoProfileId()))
                .flatMap(survivor -> memberships.removeProfile(tx, profile)
                        .flatMap(x -> projection.merge(tx, profile, survivor))
                        .flatMap(x -> engagement.merge(tx, profile, survivor))
                        .flatMap(x -> memberships.reevaluate(tx, Set.of(survivor), inputs -> true)))
                .replaceWithVoid();
    }

    /**
     * Attribute changes, each applied unless its version was (profiles locked in order first, as event batches lock
     * them); then the changed profiles are re-evaluated at once in the segments that use what changed — in every segment
     * for a profile that absorbed a merge (its events and attributes are the survivor's now: anything may have changed).
     */
    private Uni<Void> attributes(SqlClient tx, List<ProfileChanged> changes) {
        if (changes.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<ProfileChanged> ordered = changes.stream()
                .sorted(Comparator.comparing(ProfileChanged::getProfileId).thenComparingLong(ProfileChanged::getVersion)).toList();
        Set<String> names = new HashSet<>();
        Set<UUID> changed = new TreeSet<>();
        Set<UUID> absorbed = new TreeSet<>();
        return projection.lock(tx, ordered.stream().map(c -> UUID.fromString(c.getProfileId())).collect(Collectors.toSet()))
                .flatMap(locked -> Multi.createFrom().iterable(ordered)
                        .onItem().transformToUniAndConcatenate(change -> projection.applyAttributes(tx, change).invoke(applied -> {
                            UUID profile = UUID.fromString(change.getProfileId());
                            if (change.hasMerge()) {
                                absorbed.add(profile);
                            } else if (!applied.isEmpty()) {
                                names.addAll(applied);
                                changed.add(profile);
                            }
                        }))
                        .collect().last())
                .flatMap(x -> {
                    changed.removeAll(absorbed);
                    return memberships.reevaluate(tx, absorbed, inputs -> true);
                })
                .flatMap(x -> memberships.reevaluate(tx, changed, inputs -> inputs.usesAttributes(names)))
                .replaceWithVoid();
    }
}
