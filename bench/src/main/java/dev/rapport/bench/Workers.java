package dev.rapport.bench;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * Where a driver runs its concurrent workers: each on a thread of its own. Not CompletableFuture's common pool: on a
 * 2-core machine it has one thread, so workers that block or sleep there run one after another (measured: four paced
 * streams meant to offer 3,600 events/s together offered them one stream at a time, and each event waited behind the
 * streams before it — tens of seconds that were the driver's, not the suite's).
 */
final class Workers {
    /** Runs each task at once on a new (daemon) thread. */
    static final Executor OWN_THREADS = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().name("worker-", 0).factory());

    private Workers() {
    }
}
