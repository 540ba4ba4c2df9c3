package dev.rapport.campaign.support;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** When each person last had a bad support experience: the input of the "no marketing right after" rule. */
@ApplicationScoped
public class SupportExperiences {
    private final Pool pool;

    SupportExperiences(Pool pool) {
        this.pool = pool;
    }

    public Uni<Void> recordBadExperience(UUID profileId, Instant at, String conversationId) {
        return pool.preparedQuery("""
                INSERT INTO support_experience AS s (profile_id, last_bad_experience_time, conversation_id) VALUES ($1, $2, $3)
                ON CONFLICT (profile_id) DO UPDATE SET
                  conversation_id = CASE WHEN EXCLUDED.last_bad_experience_time > s.last_bad_experience_time
                                         THEN EXCLUDED.conversation_id ELSE s.conversation_id END,
                  last_bad_experience_time = GREATEST(s.last_bad_experience_time, EXCLUDED.last_bad_experience_time)""")
                .execute(Tuple.of(profileId, OffsetDateTime.ofInstant(at, ZoneOffset.UTC), conversationId))
                .replaceWithVoid();
    }

    public record BadExperience(Instant time, String conversationId) {
    }

    public Uni<Optional<BadExperience>> lastBad(UUID profileId) {
        return pool.preparedQuery("SELECT last_bad_experience_time, conversation_id FROM support_experience WHERE profile_id = $1")
                .execute(Tuple.of(profileId))
                .map(rows -> rows.iterator().hasNext()
                        ? Optional.of(new BadExperience(rows.iterator().next().getOffsetDateTime(0).toInstant(),
                                rows.iterator().next().getString(1)))
                        : Optional.empty());
    }
}
