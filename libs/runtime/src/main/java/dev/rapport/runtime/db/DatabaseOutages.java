package dev.rapport.runtime.db;

import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

/**
 * Failures that say PostgreSQL is out of reach for now — refusing connections, restarting, recovering after a crash,
 * or the connection cut under a query — rather than anything wrong with the work itself.
 */
public final class DatabaseOutages {
    private static final Logger LOG = Logger.getLogger(DatabaseOutages.class);
    /** admin_shutdown, crash_shutdown, cannot_connect_now (starting up, in recovery), too_many_connections */
    private static final Set<String> STATES = Set.of("57P01", "57P02", "57P03", "53300");
    private static final Duration FIRST_WAIT = Duration.ofMillis(500);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(10);

    private DatabaseOutages() {
    }

    public static boolean is(Throwable failure) {
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        for (Throwable f = failure; f != null && seen.put(f, true) == null; f = f.getCause()) {
            if (f instanceof CompositeException composite) {
                return composite.getCauses().stream().anyMatch(DatabaseOutages::is);
            }
            if (f instanceof PgException pg) {
                return pg.getSqlState() != null && (pg.getSqlState().startsWith("08") || STATES.contains(pg.getSqlState()));
            }
            // The connection refused, reset or closed — and nothing else: a record that does not parse is an IOException
            // too, and waiting would not mend it.
            if (f instanceof ClosedConnectionException || f instanceof SocketException || f instanceof ClosedChannelException
                    || f.getClass().getName().equals("io.netty.channel.unix.Errors$NativeIoException")) {
                return true;
            }
        }
        return false;
    }

    /**
     * A message consumer's work on one record (or one polled batch), run again until it is done: a few times on a lock
     * conflict, and for as long as PostgreSQL is out of reach (waiting longer each time, up to 10 s). A record is never
     * set aside — to the dead-letter topic — because the database was down when it came. (The connector's check of
     * records left unprocessed too long is off for this: see microprofile-config.properties.)
     */
    public static <T> Uni<T> waitedOut(String what, Supplier<Uni<? extends T>> work) {
        return Uni.createFrom().<T>deferred(work).onFailure(LockConflicts::isRetryable).retry().atMost(5)
                .onFailure(DatabaseOutages::is).invoke(f -> LOG.warnf("PostgreSQL out of reach while %s (tried again): %s", what, f.toString()))
                .onFailure(DatabaseOutages::is).retry().withBackOff(FIRST_WAIT, LONGEST_WAIT).indefinitely();
    }
}
