package dev.rapport.campaign;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.Callable;

import dev.rapport.campaign.delivery.Broadcasts;
import dev.rapport.campaign.journey.Journeys;

/** Drives the journeys' timers and the sender, as their schedules would (this module's tests do not tick), until something holds. */
public final class Sending {
    private Sending() {
    }

    public static void until(Journeys journeys, Broadcasts broadcasts, Callable<Boolean> done) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
            journeys.takeDueSteps().await().atMost(Duration.ofSeconds(10));
            broadcasts.deliverDue().await().atMost(Duration.ofSeconds(30));
            return done.call();
        });
    }
}
