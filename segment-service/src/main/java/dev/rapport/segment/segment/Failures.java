package dev.rapport.segment.segment;

import io.vertx.pgclient.PgException;

/** A failure as logs may show it: its kind and SQL state, never its message (PostgreSQL quotes the values it chokes on). */
public final class Failures {
    private Failures() {
    }

    public static String describe(Throwable failure) {
        if (failure instanceof PgException pg) {
            return "PostgreSQL error " + pg.getSqlState();
        }
        return failure.getClass().getSimpleName();
    }
}
