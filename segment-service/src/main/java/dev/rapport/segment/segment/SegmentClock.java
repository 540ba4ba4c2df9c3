package dev.rapport.segment.segment;

import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;

/**
 * Time changes memberships without any event ("not seen for 14 days", "in the last 30 days", ages, "no purchase
 * within 2 hours"): segments whose definitions move with time are recomputed on a schedule, and only the differences
 * are announced.
 */
@ApplicationScoped
public class SegmentClock {
    private static final Logger LOG = Logger.getLogger(SegmentClock.class);

    private final Pool pool;
    private final SegmentCatalog catalog;
    private final Segments segments;

    SegmentClock(Pool pool, SegmentCatalog catalog, Segments segments) {
        this.pool = pool;
        this.catalog = catalog;
        this.segments = segments;
    }

    @Scheduled(every = "${rapport.segments.clock-interval:60s}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> tick() {
        return pool.withConnection(catalog::current)
                .map(all -> all.values().stream().filter(s -> s.inputs(all, catalog.purchases()).time()).map(SavedSegment::id).toList())
                .flatMap(this::recompute)
                .onFailure().invoke(failure -> LOG.warnf("time-based segments not recomputed this time: %s", Failures.describe(failure)))
                .onFailure().recoverWithNull();
    }

    private Uni<Void> recompute(List<UUID> ids) {
        return Multi.createFrom().iterable(ids)
                .onItem().transformToUniAndConcatenate(id -> segments.recompute(id)
                        .onFailure().invoke(failure -> LOG.warnf("segment %s not recomputed: %s", id, Failures.describe(failure)))
                        .onFailure().recoverWithNull())
                .collect().last().replaceWithVoid();
    }
}
