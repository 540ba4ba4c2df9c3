package dev.rapport.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;

/**
 * Group commit: items submitted while a batch is being written wait and go together in the next one, so a durable
 * write costs one commit per batch instead of one per item. One batch is written at a time (which keeps order).
 * Each submitter is answered, on its own Vert.x context, once the batch holding its item is written.
 *
 * @param <T> what is written
 * @param <R> the answer for each item
 */
public final class GroupCommit<T, R> {
    private static final Logger LOG = Logger.getLogger(GroupCommit.class);

    private record Pending<T, R>(T item, Context context, UniEmitter<? super R> answer) {
        void complete(R result) {
            run(() -> answer.complete(result));
        }

        void fail(Throwable failure) {
            run(() -> answer.fail(failure));
        }

        private void run(Runnable action) {
            if (context != null) {
                context.runOnContext(ignored -> action.run());
            } else {
                action.run();
            }
        }
    }

    private final int maxBatch;
    private final Function<List<T>, Uni<List<R>>> writer;
    private final Queue<Pending<T, R>> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writing = new AtomicBoolean();

    /** @param writer writes one batch and answers for each item, in the order of the batch */
    public GroupCommit(int maxBatch, Function<List<T>, Uni<List<R>>> writer) {
        this.maxBatch = maxBatch;
        this.writer = writer;
    }

    public Uni<R> submit(T item) {
        return Uni.createFrom().emitter(answer -> {
            waiting.add(new Pending<>(item, Vertx.currentContext(), answer));
            writeNextBatch();
        });
    }

    private void writeNextBatch() {
        if (waiting.isEmpty() || !writing.compareAndSet(false, true)) {
            return;
        }
        List<Pending<T, R>> batch = new ArrayList<>();
        for (Pending<T, R> next; batch.size() < maxBatch && (next = waiting.poll()) != null;) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            done();
            return;
        }
        Uni.createFrom().deferred(() -> writer.apply(batch.stream().map(Pending::item).toList())).subscribe().with(answers -> {
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).complete(answers.get(i));
            }
            done();
        }, failure -> {
            LOG.warnf("a batch of %d was not written: %s", batch.size(), failure.toString());
            batch.forEach(pending -> pending.fail(failure));
            done();
        });
    }

    private void done() {
        writing.set(false);
        writeNextBatch();
    }
}
