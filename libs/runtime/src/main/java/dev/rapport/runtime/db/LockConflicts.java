package dev.rapport.runtime.db;

import io.vertx.pgclient.PgException;

/** Failures PostgreSQL raises to break a lock cycle or a serialisation conflict: the transaction may simply run again. */
public final class LockConflicts {
    private LockConflicts() {
    }

    public static boolean isRetryable(Throwable failure) {
        return failure instanceof PgException pg && ("40P01".equals(pg.getSqlState()) || "40001".equals(pg.getSqlState()));
    }
}
