package dev.rapport.profile.identity;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import dev.rapport.proto.profile.v1.ProfileMerge;
import dev.rapport.runtime.event.Envelopes;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Moves a merged profile's event rows to the survivor in small transactions, so that no ingestion batch waits
 * behind a long history. Started right after a merge; a merge left unfinished (a restart) is resumed on schedule.
 * Moving again what has moved changes nothing.
 */
@ApplicationScoped
public class EventMover {
    static final int CHUNK = 1000;
    private static final Logger LOG = Logger.getLogger(EventMover.class);

    private final Pool pool;

    EventMover(Pool pool) {
        this.pool = pool;
    }

    void moveSoon(ProfileMerge merge) {
        move(UUID.fromString(merge.getMergedProfileId())).subscribe().with(
                moved -> { },
                failure -> LOG.warnf("moving the events of a merged profile failed (resumed on schedule): %s", failure.toString()));
    }

    @Scheduled(every = "${rapport.merge.resume-every:15s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> resumeUnfinished() {
        return pool.query("SELECT merged_profile_id FROM profile_merge WHERE NOT events_moved ORDER BY merge_time LIMIT 100").execute()
                .onItem().transformToMulti(rows -> io.smallrye.mutiny.Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> move(row.getUUID("merged_profile_id")))
                .collect().last().replaceWithVoid();
    }

    /** Moves the events in chunks, then marks the merge done; answers how many events moved. */
    Uni<Long> move(UUID merged) {
        return moveChunk(merged, 0L);
    }

    private Uni<Long> moveChunk(UUID merged, long movedSoFar) {
        return pool.withTransaction(tx -> tx.preparedQuery("""
                UPDATE event SET profile_id = m.surviving_profile_id
                FROM profile_merge m
                WHERE m.merged_profile_id = $1 AND event.id IN (SELECT id FROM event WHERE profile_id = $1 LIMIT $2)""")
                .execute(Tuple.of(merged, CHUNK))
                .map(rows -> (long) rows.rowCount()))
                .flatMap(moved -> moved > 0 ? moveChunk(merged, movedSoFar + moved)
                        : pool.preparedQuery("UPDATE profile_merge SET events_moved = true WHERE merged_profile_id = $1").execute(Tuple.of(merged))
                                .replaceWith(movedSoFar));
    }

    public static ProfileMerge toMerge(Row row) {
        return ProfileMerge.newBuilder()
                .setMergedProfileId(row.getUUID("merged_profile_id").toString())
                .setSurvivingProfileId(row.getUUID("surviving_profile_id").toString())
                .setMergeTime(Envelopes.timestamp(row.getOffsetDateTime("merge_time").toInstant()))
                .setReason(row.getString("reason"))
                .setSource(row.getString("source"))
                .build();
    }
}
