package dev.rapport.profile.identity;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Value;

import dev.rapport.runtime.db.LockConflicts;
import dev.rapport.profile.profile.StoredTime;
import dev.rapport.profile.attribute.AttributeDefinitions;
import dev.rapport.profile.attribute.AttributeValidation;
import dev.rapport.profile.attribute.AttributeRepository;
import dev.rapport.profile.attribute.AttributeRepository.Stored;
import dev.rapport.profile.profile.ChangeSource;
import dev.rapport.profile.profile.ProfileChanges;
import dev.rapport.profile.profile.ProfileRepository;
import dev.rapport.profile.trait.TraitRepository;
import dev.rapport.proto.profile.v1.AttributeChange;
import dev.rapport.proto.profile.v1.AttributeDefinition;
import dev.rapport.proto.profile.v1.AttributeDefinition.MergeRule;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.IdentifyRequest;
import dev.rapport.proto.profile.v1.IdentifyResponse;
import dev.rapport.proto.profile.v1.MergeProfilesRequest;
import dev.rapport.proto.profile.v1.ProfileChanged;
import dev.rapport.proto.profile.v1.ProfileMerge;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Identity resolution: links identifiers to a known user and merges profiles that turn out to be one person.
 * A merge is one short transaction — identifiers, attributes (by each attribute's merge rule), traits, support
 * history, the record of the merge and its announcement on {@code profile.changes} — and the merged profile's event
 * rows follow in small batches afterwards ({@link EventMover}), so merging a long history holds up no ingestion.
 * Reads of the survivor include the events still on their way.
 */
@ApplicationScoped
public class ProfileMerger {
    static final int MAX_IDENTIFIERS = 20;

    private final Pool pool;
    private final ProfileRepository profiles;
    private final AttributeRepository attributes;
    private final AttributeDefinitions definitions;
    private final TraitRepository traits;
    private final ProfileChanges changes;
    private final EventMover mover;

    ProfileMerger(Pool pool, ProfileRepository profiles, AttributeRepository attributes, AttributeDefinitions definitions,
            TraitRepository traits, ProfileChanges changes, EventMover mover) {
        this.pool = pool;
        this.profiles = profiles;
        this.attributes = attributes;
        this.definitions = definitions;
        this.traits = traits;
        this.changes = changes;
        this.mover = mover;
    }

    public Uni<IdentifyResponse> identify(IdentifyRequest request) {
        List<Violation> violations = new ArrayList<>();
        Identifiers.check("user", request.getUser(), violations);
        if (request.getIdentifiersCount() == 0 || request.getIdentifiersCount() > MAX_IDENTIFIERS) {
            violations.add(new Violation("identifiers", "1 to " + MAX_IDENTIFIERS + " identifiers to link"));
        }
        for (int i = 0; i < request.getIdentifiersCount(); i++) {
            Identifiers.check("identifiers[" + i + "]", request.getIdentifiers(i), violations);
        }
        if (!violations.isEmpty()) {
            throw new InvalidInput(violations);
        }
        String source = ChangeSource.of(request.getSource());
        Identifier user = request.getUser();
        Set<Identifier> linked = new LinkedHashSet<>(request.getIdentifiersList());
        linked.remove(user);
        return pool.withTransaction(tx -> claim(tx, user, linked).flatMap(found -> {
            UUID survivor = found.get(user);
            List<UUID> others = found.values().stream().filter(id -> !id.equals(survivor)).distinct().sorted().toList();
            IdentifyResponse.Builder response = IdentifyResponse.newBuilder().setProfileId(survivor.toString());
            Uni<Void> merged = Uni.createFrom().voidItem();
            for (UUID other : others) {
                String reason = "identify: " + describe(found, other) + " linked to " + user.getType().name();
                merged = merged.flatMap(x -> merge(tx, other, survivor, reason, source, true)
                        .invoke(done -> done.ifPresent(response::addMerges)).replaceWithVoid());
            }
            return merged.replaceWith(response);
        })).invoke(response -> response.getMergesList().forEach(m -> mover.moveSoon(m)))
                .map(IdentifyResponse.Builder::build)
                .onFailure(LockConflicts::isRetryable).retry().atMost(3);
    }

    public Uni<ProfileMerge> merge(MergeProfilesRequest request) {
        UUID survivor = Ids.profile("surviving_profile_id", request.getSurvivingProfileId());
        UUID merged = Ids.profile("merged_profile_id", request.getMergedProfileId());
        if (survivor.equals(merged)) {
            throw new InvalidInput("merged_profile_id", "a different profile than surviving_profile_id");
        }
        if (request.getReason().length() > 512) {
            throw new InvalidInput("reason", "at most 512 characters");
        }
        String reason = request.getReason().isBlank() ? "merged by request" : request.getReason().strip();
        String source = ChangeSource.of(request.getSource());
        return pool.withTransaction(tx -> merge(tx, merged, survivor, reason, source, false))
                .map(done -> done.orElseThrow())
                .invoke(mover::moveSoon)
                .onFailure(LockConflicts::isRetryable).retry().atMost(3);
    }

    /**
     * Claims the user's and the linked identifiers in one statement (locks in the one global order). New identifiers
     * join the user's profile; answers the profile each identifier belongs to.
     */
    private Uni<Map<Identifier, UUID>> claim(SqlClient tx, Identifier user, Set<Identifier> linked) {
        return profiles.find(tx, user).flatMap(existing -> {
            UUID candidate = existing.orElseGet(UUID::randomUUID);
            List<Identifier> all = new ArrayList<>(linked);
            all.add(user);
            return profiles.claim(tx, all, candidate).flatMap(found -> {
                UUID survivor = found.get(user);
                List<Identifier> stray = found.entrySet().stream()
                        .filter(e -> e.getValue().equals(candidate) && !candidate.equals(survivor)).map(Map.Entry::getKey).toList();
                Uni<Void> created = survivor.equals(candidate) && existing.isEmpty() ? profiles.create(tx, candidate) : Uni.createFrom().voidItem();
                // The user's identifier went to another profile meanwhile: what we claimed for the candidate follows it.
                Uni<Void> repointed = stray.isEmpty() ? Uni.createFrom().voidItem() : profiles.repoint(tx, stray, survivor);
                stray.forEach(identifier -> found.put(identifier, survivor));
                return created.flatMap(x -> repointed).replaceWith(found);
            });
        });
    }

    /** Merges one profile into another inside the transaction; empty when there was nothing to merge. */
    private Uni<Optional<ProfileMerge>> merge(SqlClient tx, UUID merged, UUID survivor, String reason, String source, boolean guardKnownUsers) {
        OffsetDateTime now = StoredTime.now();
        return tx.preparedQuery("SELECT type, value, profile_id FROM identity WHERE profile_id = ANY($1) ORDER BY type COLLATE \"C\", value COLLATE \"C\" FOR UPDATE")
                .execute(Tuple.of(new UUID[] { merged, survivor }))
                .flatMap(identities -> tx.preparedQuery("SELECT id, merged_into FROM profile WHERE id = ANY($1) ORDER BY id FOR UPDATE")
                        .execute(Tuple.of(new UUID[] { merged, survivor }))
                        .flatMap(rows -> {
                            UUID mergedInto = null;
                            boolean survivorFound = false;
                            boolean mergedFound = false;
                            for (Row row : rows) {
                                if (row.getUUID("id").equals(merged)) {
                                    mergedFound = true;
                                    mergedInto = row.getUUID("merged_into");
                                } else {
                                    survivorFound = true;
                                    if (row.getUUID("merged_into") != null) {
                                        throw Status.FAILED_PRECONDITION.withDescription("the surviving profile was itself merged into "
                                                + row.getUUID("merged_into") + "; merge into that one").asRuntimeException();
                                    }
                                }
                            }
                            if (!mergedFound || !survivorFound) {
                                throw new NotFound("profile");
                            }
                            if (survivor.equals(mergedInto)) {
                                return record(tx, merged).map(Optional::of); // merged already: the same answer again
                            }
                            if (mergedInto != null) {
                                throw Status.FAILED_PRECONDITION.withDescription("profile " + merged + " was already merged into " + mergedInto)
                                        .asRuntimeException();
                            }
                            if (guardKnownUsers) {
                                refuseTwoKnownUsers(identities, merged, survivor);
                            }
                            return mergeNow(tx, merged, survivor, reason, source, now).map(Optional::of);
                        }));
    }

    /** Two different external user ids are two people as far as identify can tell: an operator merges them explicitly. */
    private static void refuseTwoKnownUsers(io.vertx.mutiny.sqlclient.RowSet<Row> identities, UUID merged, UUID survivor) {
        Set<String> mergedUsers = new HashSet<>();
        Set<String> survivorUsers = new HashSet<>();
        for (Row row : identities) {
            if (Identifier.Type.EXTERNAL_ID.name().equals(row.getString("type"))) {
                (row.getUUID("profile_id").equals(merged) ? mergedUsers : survivorUsers).add(row.getString("value"));
            }
        }
        if (!mergedUsers.isEmpty() && !survivorUsers.isEmpty() && !survivorUsers.containsAll(mergedUsers)) {
            throw Status.FAILED_PRECONDITION.withDescription("an identifier to link belongs to another known user (a different EXTERNAL_ID);"
                    + " if they are one person, merge the two profiles with MergeProfiles").asRuntimeException();
        }
    }

    private Uni<ProfileMerge> mergeNow(SqlClient tx, UUID merged, UUID survivor, String reason, String source, OffsetDateTime now) {
        ProfileMerge record = ProfileMerge.newBuilder().setSurvivingProfileId(survivor.toString()).setMergedProfileId(merged.toString())
                .setMergeTime(Envelopes.timestamp(now.toInstant())).setReason(reason).setSource(source).build();
        return mergeAttributes(tx, merged, survivor, now, source).flatMap(attributeChanges -> tx.preparedQuery("""
                UPDATE identity SET profile_id = $2 WHERE profile_id = $1""").execute(Tuple.of(merged, survivor))
                .flatMap(x -> traits.moveInto(tx, merged, survivor))
                .flatMap(x -> tx.preparedQuery("UPDATE support_conversation SET profile_id = $2 WHERE profile_id = $1").execute(Tuple.of(merged, survivor)))
                .flatMap(x -> tx.preparedQuery("UPDATE timeline_entry SET profile_id = $2 WHERE profile_id = $1").execute(Tuple.of(merged, survivor)))
                // Chains stay flat: whatever was merged into the merged profile now points at the survivor.
                .flatMap(x -> tx.preparedQuery("UPDATE profile SET merged_into = $2 WHERE merged_into = $1").execute(Tuple.of(merged, survivor)))
                .flatMap(x -> tx.preparedQuery("UPDATE profile_merge SET surviving_profile_id = $2 WHERE surviving_profile_id = $1").execute(Tuple.of(merged, survivor)))
                .flatMap(x -> tx.preparedQuery("""
                        INSERT INTO profile_merge (merged_profile_id, surviving_profile_id, merge_time, reason, source) VALUES ($1, $2, $3, $4, $5)""")
                        .execute(Tuple.of(merged, survivor, now, reason, source)))
                .flatMap(x -> tx.preparedQuery("UPDATE profile SET merged_into = $2, version = version + 1, update_time = $3 WHERE id = $1 RETURNING version")
                        .execute(Tuple.of(merged, survivor, now)).map(rows -> rows.iterator().next().getLong("version")))
                .flatMap(mergedVersion -> profiles.newVersion(tx, survivor, now, source, attributeChanges)
                        .flatMap(version -> changes.publish(ProfileChanged.newBuilder().setProfileId(merged.toString()).setVersion(mergedVersion)
                                        .setMergedIntoProfileId(survivor.toString()).setChangeTime(record.getMergeTime()).setSource(source))
                                .flatMap(y -> changes.publish(ProfileChanged.newBuilder().setProfileId(survivor.toString()).setVersion(version)
                                        .addAllChanges(attributeChanges).setMerge(record).setChangeTime(record.getMergeTime()).setSource(source)))))
                .replaceWith(record));
    }

    /**
     * Moves the merged profile's attribute values to the survivor by each attribute's rule; answers the survivor's
     * attribute changes.
     */
    private Uni<List<AttributeChange>> mergeAttributes(SqlClient tx, UUID merged, UUID survivor, OffsetDateTime now, String source) {
        return attributes.all(tx, merged).flatMap(incoming -> attributes.all(tx, survivor)
                .flatMap(held -> definitions.of(incoming.keySet()).flatMap(known -> {
                    List<AttributeChange> changed = new ArrayList<>();
                    List<Uni<Void>> writes = new ArrayList<>();
                    for (Map.Entry<String, Stored> entry : incoming.entrySet()) {
                        String name = entry.getKey();
                        Stored theirs = entry.getValue();
                        Stored ours = held.get(name);
                        AttributeDefinition definition = known.get(name);
                        MergeRule rule = definition == null ? MergeRule.NEWEST_WINS : definition.getMergeRule();
                        Value winner = winner(rule, ours, theirs);
                        if (ours != null && ours.value().equals(winner)) {
                            continue;
                        }
                        // The winner keeps the time it was set, so that a later merge applies the rule to the right time.
                        OffsetDateTime time = winner.equals(theirs.value()) || ours == null ? theirs.updateTime()
                                : (theirs.updateTime().isAfter(ours.updateTime()) ? theirs.updateTime() : ours.updateTime());
                        writes.add(attributes.write(tx, survivor, Map.of(name, winner), time, theirs.source()));
                        changed.add(AttributeChange.newBuilder().setAttribute(name)
                                .setOldValue(ours == null ? AttributeValidation.nullValue() : ours.value()).setNewValue(winner)
                                .setChangeTime(Envelopes.timestamp(now.toInstant())).setSource(source).build());
                    }
                    return (writes.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(writes).andFailFast().replaceWithVoid())
                            .flatMap(x -> tx.preparedQuery("DELETE FROM attribute_value WHERE profile_id = $1").execute(Tuple.of(merged)))
                            .replaceWith(changed);
                })));
    }

    static Value winner(MergeRule rule, Stored ours, Stored theirs) {
        if (ours == null) {
            return theirs.value();
        }
        return switch (rule) {
            case OLDEST_WINS -> theirs.updateTime().isBefore(ours.updateTime()) ? theirs.value() : ours.value();
            case UNION -> {
                com.google.protobuf.ListValue.Builder union = ours.value().getListValue().toBuilder();
                theirs.value().getListValue().getValuesList().stream()
                        .filter(v -> !ours.value().getListValue().getValuesList().contains(v)).forEach(union::addValues);
                yield Value.newBuilder().setListValue(union).build();
            }
            default -> theirs.updateTime().isAfter(ours.updateTime()) ? theirs.value() : ours.value();
        };
    }

    private Uni<ProfileMerge> record(SqlClient tx, UUID merged) {
        return tx.preparedQuery("SELECT * FROM profile_merge WHERE merged_profile_id = $1").execute(Tuple.of(merged))
                .map(rows -> EventMover.toMerge(rows.iterator().next()));
    }

    private static String describe(Map<Identifier, UUID> found, UUID profile) {
        return found.entrySet().stream().filter(e -> e.getValue().equals(profile)).map(e -> e.getKey().getType().name())
                .distinct().sorted().collect(java.util.stream.Collectors.joining(", "));
    }
}
