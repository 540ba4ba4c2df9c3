package dev.rapport.profile.privacy;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.profile.event.EventRepository;
import dev.rapport.profile.profile.ProfileRepository;
import dev.rapport.profile.timeline.TimelineRepository;
import dev.rapport.proto.profile.v1.Event;
import dev.rapport.proto.profile.v1.ProfileExportPart;
import dev.rapport.runtime.error.NotFound;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Everything held about a profile, for access and portability requests: the profile (identifiers, attributes,
 * traits), every version, every merge into it, every event and every delivery or conversation step, streamed page by page so that a long history
 * never sits whole in memory.
 */
@ApplicationScoped
public class ProfileExporter {
    static final int PAGE = 1000;
    private static final Instant END_OF_TIME = Instant.parse("9999-12-31T00:00:00Z");

    private final Pool pool;
    private final ProfileRepository profiles;
    private final EventRepository events;
    private final TimelineRepository timeline;

    ProfileExporter(Pool pool, ProfileRepository profiles, EventRepository events, TimelineRepository timeline) {
        this.pool = pool;
        this.profiles = profiles;
        this.events = events;
        this.timeline = timeline;
    }

    public Multi<ProfileExportPart> export(UUID requested) {
        return profiles.find(requested).map(found -> found.orElseThrow(() -> new NotFound("profile")))
                .onItem().transformToMulti(profile -> {
                    UUID id = UUID.fromString(profile.getId());
                    return Multi.createBy().concatenating().streams(
                            Multi.createFrom().item(ProfileExportPart.newBuilder().setProfile(profile).build()),
                            profiles.versions(id, Long.MAX_VALUE, Integer.MAX_VALUE).onItem()
                                    .transformToMulti(versions -> Multi.createFrom().iterable(versions))
                                    .map(version -> ProfileExportPart.newBuilder().setVersion(version).build()),
                            pool.preparedQuery("SELECT * FROM profile_merge WHERE surviving_profile_id = $1 ORDER BY merge_time").execute(Tuple.of(id))
                                    .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                                    .map(row -> ProfileExportPart.newBuilder().setMerge(dev.rapport.profile.identity.EventMover.toMerge(row)).build()),
                            eventsBefore(id, END_OF_TIME, ""),
                            timeline.entries(id).map(entry -> ProfileExportPart.newBuilder().setTimelineEntry(entry).build()));
                });
    }

    private Multi<ProfileExportPart> eventsBefore(UUID id, Instant time, String eventId) {
        Uni<List<Event>> page = events.page(id, time, eventId, PAGE);
        return page.onItem().transformToMulti(found -> {
            Multi<ProfileExportPart> these = Multi.createFrom().iterable(found).map(e -> ProfileExportPart.newBuilder().setEvent(e).build());
            if (found.size() < PAGE) {
                return these;
            }
            Event last = found.get(found.size() - 1);
            return Multi.createBy().concatenating().streams(these,
                    eventsBefore(id, dev.rapport.runtime.event.Envelopes.instant(last.getOccurTime()), last.getId()));
        });
    }
}
