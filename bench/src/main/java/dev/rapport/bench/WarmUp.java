package dev.rapport.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.rapport.proto.api.v1.EventsGrpc;
import dev.rapport.proto.api.v1.ProfilesGrpc;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.RecordEventRequest;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;

/**
 * Runs the suite's hot paths (record, read) for a while before anything is measured: five JVMs that have just started
 * on two cores are still compiling, and the first benchmark would measure that instead of the suite.
 */
public final class WarmUp {
    private static final Duration LENGTH = Duration.ofSeconds(Long.getLong("rapport.bench.warm-up-seconds", 90));

    public static void main(String[] args) throws Exception {
        ClientInterceptor asPartner = Report.asPartner();
        ManagedChannel channel = Report.gateway();
        try {
            var events = EventsGrpc.newBlockingStub(channel).withInterceptors(asPartner);
            var profiles = ProfilesGrpc.newBlockingStub(channel).withInterceptors(asPartner);
            String run = UUID.randomUUID().toString().substring(0, 8);
            long end = System.nanoTime() + LENGTH.toNanos();
            AtomicLong calls = new AtomicLong();
            List<CompletableFuture<Void>> workers = new ArrayList<>();
            for (int w = 0; w < 16; w++) {
                workers.add(CompletableFuture.runAsync(() -> {
                    while (System.nanoTime() < end) {
                        Identifier who = Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID)
                                .setValue("warm-" + run + "-" + (calls.incrementAndGet() % 500)).build();
                        try {
                            events.withDeadlineAfter(5, TimeUnit.SECONDS).recordEvent(RecordEventRequest.newBuilder().setIdentifier(who)
                                    .setEvent(Event.newBuilder().setName("app_opened")).build());
                            profiles.withDeadlineAfter(5, TimeUnit.SECONDS).getProfile(GetProfileRequest.newBuilder().setIdentifier(who).build());
                        } catch (RuntimeException e) {
                            // warming up: failures are not measured
                        }
                    }
                }, Workers.OWN_THREADS));
            }
            CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(LENGTH.toSeconds() + 60, TimeUnit.SECONDS);
            System.out.printf("warmed the suite up for %d s (%d calls)%n", LENGTH.toSeconds(), calls.get() * 2);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
