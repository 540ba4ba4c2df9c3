package dev.rapport.segment.projection.messaging;

import dev.rapport.runtime.db.DatabaseOutages;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Incoming;

import dev.rapport.proto.profile.v1.ProfileEventRecorded;
import dev.rapport.segment.engagement.EngagementRepository;
import dev.rapport.segment.projection.Projection;
import dev.rapport.segment.segment.Memberships;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Stores events from {@code profile.events} a polled batch at a time and, in the same transaction, re-evaluates their
 * profiles in the segments that use those events. Idempotent on the event id: a record read again stores nothing and
 * changes no membership.
 */
@ApplicationScoped
public class ProfileEventConsumer {
    private final Pool pool;
    private final Projection projection;
    private final EngagementRepository engagement;
    private final Memberships memberships;

    ProfileEventConsumer(Pool pool, Projection projection, EngagementRepository engagement, Memberships memberships) {
        this.pool = pool;
        this.projection = projection;
        this.engagement = engagement;
        this.memberships = memberships;
    }

    @Incoming("profile-events")
    public Uni<Void> onEvents(List<ProfileEventRecorded> recorded) {
        return DatabaseOutages.waitedOut("storing events", () -> pool.withTransaction(tx -> projection.recordEvents(tx,
                        recorded.stream().map(ProfileEventRecorded::getEvent).toList())
                        .flatMap(stored -> engagement.count(tx, stored.fresh()).flatMap(counted -> {
                            Set<String> names = new HashSet<>();
                            stored.namesByProfile().values().forEach(names::addAll);
                            return memberships.reevaluate(tx, stored.namesByProfile().keySet(), inputs -> inputs.usesEvents(names));
                        }))))
                .replaceWithVoid();
    }
}
