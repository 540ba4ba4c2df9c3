package dev.rapport.segment.segment;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Struct;

import dev.rapport.proto.segment.v1.Explanation;
import dev.rapport.proto.segment.v1.Member;
import dev.rapport.proto.segment.v1.Membership;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.segment.api.Explanations;
import dev.rapport.segment.evaluation.Evaluator;
import dev.rapport.segment.evaluation.Facts;
import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.segment.evaluation.PurposeBasis;
import dev.rapport.segment.projection.Projection;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;

/** Reading segments: checks and previews of unsaved definitions, members, memberships, explanations, size history. */
@ApplicationScoped
public class SegmentQueries {
    private static final int STREAM_CHUNK = 5_000;

    private final Pool pool;
    private final Segments segments;
    private final SegmentCatalog catalog;
    private final Memberships memberships;
    private final Projection projection;

    private final ConsentPolicy policy;

    SegmentQueries(Pool pool, Segments segments, SegmentCatalog catalog, Memberships memberships, Projection projection,
            ConsentPolicy policy) {
        this.policy = policy;
        this.pool = pool;
        this.segments = segments;
        this.catalog = catalog;
        this.memberships = memberships;
        this.projection = projection;
    }

    public Uni<Segments.Checked> check(Struct definition, String purpose) {
        return pool.withConnection(c -> segments.check(c, definition, purpose, null));
    }

    /** A preview is an ad-hoc query over everyone: bounded, so a definition nobody should run cannot hold the database. */
    public Uni<Memberships.Size> preview(Struct definition, String purpose) {
        return pool.withTransaction(c -> segments.check(c, definition, purpose, null)
                .flatMap(checked -> c.query("SET LOCAL statement_timeout = '" + PREVIEW_LIMIT.toMillis() + "ms'").execute()
                        .flatMap(x -> catalog.current(c))
                        .flatMap(all -> memberships.preview(c, checked.condition(), purpose, all))))
                .onFailure(f -> f instanceof io.vertx.pgclient.PgException pg && "57014".equals(pg.getSqlState()))
                .transform(f -> io.grpc.Status.RESOURCE_EXHAUSTED.withDescription("the definition took more than "
                        + PREVIEW_LIMIT.toSeconds() + " s to count; narrow it (a window, an event name)").asRuntimeException());
    }

    static final java.time.Duration PREVIEW_LIMIT = java.time.Duration.ofSeconds(60);

    /** Members after {@code after} (null: from the start), in profile id order. */
    public Uni<List<Member>> members(UUID segment, UUID after, int limit) {
        return segments.get(segment).flatMap(found -> pool.preparedQuery("""
                SELECT profile_id, enter_time FROM membership WHERE segment_id = $1 AND ($2::uuid IS NULL OR profile_id > $2)
                ORDER BY profile_id LIMIT $3""").execute(Tuple.of(segment, after, limit)).map(rows -> {
            List<Member> page = new ArrayList<>();
            rows.forEach(r -> page.add(Member.newBuilder().setProfileId(r.getUUID("profile_id").toString())
                    .setEnterTime(Envelopes.timestamp(r.getOffsetDateTime("enter_time").toInstant())).build()));
            return page;
        }));
    }

    /** Every member, a chunk at a time (keyset paging, so a long stream holds no transaction open). */
    public Multi<Member> streamMembers(UUID segment) {
        return Multi.createBy().repeating()
                .uni(() -> new UUID[1], last -> members(segment, last[0], STREAM_CHUNK).invoke(page -> {
                    if (!page.isEmpty()) {
                        last[0] = UUID.fromString(page.get(page.size() - 1).getProfileId());
                    }
                }))
                .whilst(page -> page.size() == STREAM_CHUNK)
                .onItem().transformToMultiAndConcatenate(page -> Multi.createFrom().iterable(page));
    }

    public Uni<List<Membership>> memberships(UUID profile) {
        return pool.preparedQuery("""
                SELECT m.segment_id, s.name, s.version, m.enter_time FROM membership m JOIN segment s USING (segment_id)
                WHERE m.profile_id = $1 ORDER BY s.name, m.segment_id""").execute(Tuple.of(profile)).map(rows -> {
            List<Membership> list = new ArrayList<>();
            rows.forEach(r -> list.add(Membership.newBuilder().setSegmentId(r.getUUID("segment_id").toString())
                    .setSegmentName(r.getString("name")).setSegmentVersion(r.getLong("version"))
                    .setEnterTime(Envelopes.timestamp(r.getOffsetDateTime("enter_time").toInstant())).build()));
            return list;
        });
    }

    /** Evaluates the segment for the profile now, node by node (the same evaluator real time uses). */
    public Uni<Explanation> explain(UUID segmentId, UUID profileId) {
        return pool.withConnection(c -> catalog.current(c).flatMap(all -> {
            SavedSegment segment = all.get(segmentId);
            if (segment == null) {
                throw new NotFound("segment");
            }
            return projection.read(c, Set.of(profileId)).map(facts -> {
                Facts f = facts.get(profileId);
                if (f == null) {
                    throw new NotFound("profile in segment-service (no event or attribute of it has arrived)");
                }
                var now = Memberships.now();
                Evaluator.Verdict verdict = new Evaluator(Memberships.conditions(all), catalog.purchases(), now).evaluate(segment.condition(), f);
                PurposeBasis basis = PurposeBasis.of(policy, segment.purpose(), f.consent());
                Explanation.Builder explanation = Explanation.newBuilder().setSegmentId(segmentId.toString())
                        .setSegmentVersion(segment.version()).setProfileId(profileId.toString())
                        .setMatches(verdict.value()).setMember(verdict.value() && basis == PurposeBasis.GRANTED)
                        .setRoot(Explanations.of(verdict)).setEvaluateTime(Envelopes.timestamp(now));
                if (verdict.value() && basis.exclusion() != null) {
                    explanation.setExclusionReason(basis.exclusion() + " for " + segment.purpose());
                }
                return explanation.build();
            });
        }));
    }

    public Uni<List<Memberships.Size>> sizeHistory(UUID segment, int limit) {
        return segments.get(segment).flatMap(found -> pool.preparedQuery("""
                SELECT * FROM segment_size WHERE segment_id = $1 ORDER BY measure_time DESC LIMIT $2""")
                .execute(Tuple.of(segment, limit)).map(rows -> {
                    List<Memberships.Size> sizes = new ArrayList<>();
                    rows.forEach(r -> sizes.add(new Memberships.Size(r.getLong("members"), r.getLong("withdrawn"), r.getLong("undecided"),
                            r.getOffsetDateTime("measure_time").toInstant(), r.getLong("segment_version"))));
                    return sizes;
                }));
    }
}
