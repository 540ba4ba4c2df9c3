package dev.rapport.runtime.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;

class DatabaseOutagesTest {

    @Test
    void aDatabaseOutOfReachIsToldFromSomethingWrongWithTheWork() {
        assertTrue(DatabaseOutages.is(new ConnectException("Connection refused")));
        assertTrue(DatabaseOutages.is(ClosedConnectionException.INSTANCE));
        assertTrue(DatabaseOutages.is(new PgException("the database system is in recovery mode", "FATAL", "57P03", null)));
        assertTrue(DatabaseOutages.is(new PgException("terminating connection due to administrator command", "FATAL", "57P01", null)));
        assertTrue(DatabaseOutages.is(new PgException("connection failure", "FATAL", "08006", null)));
        assertTrue(DatabaseOutages.is(new IllegalStateException("wrapped", new ConnectException("refused"))));
        assertTrue(DatabaseOutages.is(new CompositeException(new IllegalArgumentException("audit"), new ConnectException("refused"))));

        assertFalse(DatabaseOutages.is(new PgException("duplicate key", "ERROR", "23505", null)));
        assertFalse(DatabaseOutages.is(new PgException("deadlock detected", "ERROR", "40P01", null)));
        assertFalse(DatabaseOutages.is(new IllegalArgumentException("a bad record")));
        assertFalse(DatabaseOutages.is(new IllegalStateException("stored JSON does not parse", new java.io.IOException("unexpected token"))),
                "a record that does not parse is no outage");
    }

    @Test
    void aConsumersWorkIsRunAgainUntilTheDatabaseIsBackAndABadRecordFailsAtOnce() {
        AtomicInteger tries = new AtomicInteger();
        String done = DatabaseOutages.waitedOut("a test", () -> tries.incrementAndGet() < 3
                ? Uni.createFrom().failure(new ConnectException("refused")) : Uni.createFrom().item("stored"))
                .await().atMost(Duration.ofSeconds(10));
        assertEquals("stored", done);
        assertEquals(3, tries.get());

        AtomicInteger bad = new AtomicInteger();
        assertThrows(IllegalArgumentException.class, () -> DatabaseOutages.waitedOut("a test", () -> {
            bad.incrementAndGet();
            return Uni.createFrom().failure(new IllegalArgumentException("a bad record"));
        }).await().atMost(Duration.ofSeconds(10)));
        assertEquals(1, bad.get(), "tried once: a bad record goes where bad records go");
    }
}
