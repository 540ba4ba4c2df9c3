package dev.rapport.segment.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Base64;
import java.util.UUID;

import com.google.protobuf.Struct;

import dev.rapport.proto.segment.v1.DeleteSegmentRequest;
import dev.rapport.proto.segment.v1.DeleteSegmentResponse;
import dev.rapport.proto.segment.v1.Engagement;
import dev.rapport.proto.segment.v1.Exclusion;
import dev.rapport.proto.segment.v1.ExplainMembershipRequest;
import dev.rapport.proto.segment.v1.Explanation;
import dev.rapport.proto.segment.v1.GetEngagementRequest;
import dev.rapport.proto.segment.v1.GetSegmentRequest;
import dev.rapport.proto.segment.v1.ListMembersRequest;
import dev.rapport.proto.segment.v1.ListMembersResponse;
import dev.rapport.proto.segment.v1.ListMembershipsRequest;
import dev.rapport.proto.segment.v1.ListMembershipsResponse;
import dev.rapport.proto.segment.v1.ListSegmentsRequest;
import dev.rapport.proto.segment.v1.ListSegmentsResponse;
import dev.rapport.proto.segment.v1.ListSizeHistoryRequest;
import dev.rapport.proto.segment.v1.ListSizeHistoryResponse;
import dev.rapport.proto.segment.v1.Member;
import dev.rapport.proto.segment.v1.Membership;
import dev.rapport.proto.segment.v1.PreviewSegmentRequest;
import dev.rapport.proto.segment.v1.Problem;
import dev.rapport.proto.segment.v1.Segment;
import dev.rapport.proto.segment.v1.SegmentService;
import dev.rapport.proto.segment.v1.SegmentSize;
import dev.rapport.proto.segment.v1.StreamMembersRequest;
import dev.rapport.proto.segment.v1.UpdateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentRequest;
import dev.rapport.proto.segment.v1.ValidateSegmentResponse;
import dev.rapport.proto.segment.v1.CreateSegmentRequest;
import dev.rapport.proto.segment.v1.ComputeRfmRequest;
import dev.rapport.proto.segment.v1.GetRfmModelRequest;
import dev.rapport.proto.segment.v1.RfmModel;
import dev.rapport.proto.segment.v1.RfmRun;
import dev.rapport.proto.segment.v1.RfmTransition;
import dev.rapport.proto.segment.v1.ScoreRange;
import dev.rapport.proto.segment.v1.UpdateRfmModelRequest;
import dev.rapport.runtime.error.InvalidInput.Violation;
import dev.rapport.segment.rfm.RfmRule;
import dev.rapport.segment.rfm.RfmScores;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import dev.rapport.segment.engagement.EngagementRepository;
import dev.rapport.segment.segment.Memberships;
import dev.rapport.segment.segment.SegmentQueries;
import dev.rapport.segment.segment.Segments;
import dev.rapport.segment.projection.StoredJson;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Internal gRPC API of segment-service (rapport.segment.v1.SegmentService). */
@GrpcService
public class SegmentGrpcService implements SegmentService {
    private static final int DEFAULT_PAGE = 100;
    private static final int MAX_PAGE = 1000;

    private final EngagementRepository engagement;
    private final Segments segments;
    private final SegmentQueries queries;
    private final RfmScores rfm;

    SegmentGrpcService(EngagementRepository engagement, Segments segments, SegmentQueries queries, RfmScores rfm) {
        this.engagement = engagement;
        this.segments = segments;
        this.queries = queries;
        this.rfm = rfm;
    }

    @Override
    public Uni<Engagement> getEngagement(GetEngagementRequest request) {
        return Uni.createFrom().deferred(() -> engagement.find(Ids.profile("profile_id", request.getProfileId())))
                .map(found -> found.orElseThrow(() -> new NotFound("engagement of that profile")));
    }

    @Override
    public Uni<Segment> createSegment(CreateSegmentRequest request) {
        return Uni.createFrom().deferred(() -> segments.create(request.getName(), request.getDescription(), request.getPurpose(),
                request.getDefinition())).map(SegmentGrpcService::toSegment);
    }

    @Override
    public Uni<Segment> updateSegment(UpdateSegmentRequest request) {
        return Uni.createFrom().deferred(() -> segments.update(segmentId("id", request.getId()), request.getExpectedVersion(),
                request.getName(), request.getDescription(), request.getPurpose(), request.getDefinition())).map(SegmentGrpcService::toSegment);
    }

    @Override
    public Uni<DeleteSegmentResponse> deleteSegment(DeleteSegmentRequest request) {
        return Uni.createFrom().deferred(() -> segments.delete(segmentId("id", request.getId())))
                .map(removed -> DeleteSegmentResponse.newBuilder().setMembersRemoved(removed).build());
    }

    @Override
    public Uni<Segment> getSegment(GetSegmentRequest request) {
        return Uni.createFrom().deferred(() -> segments.get(segmentId("id", request.getId()))).map(SegmentGrpcService::toSegment);
    }

    @Override
    public Uni<ListSegmentsResponse> listSegments(ListSegmentsRequest request) {
        return Uni.createFrom().deferred(() -> {
            int size = pageSize(request.getPageSize());
            String[] after = request.getPageToken().isEmpty() ? null : decode(request.getPageToken()).split("\n", 2);
            if (after != null && after.length != 2) {
                throw new InvalidInput("page_token", "not a token this API gave");
            }
            return segments.list(size + 1, after == null ? null : after[1], after == null ? null : segmentId("page_token", after[0]))
                    .map(page -> {
                        ListSegmentsResponse.Builder response = ListSegmentsResponse.newBuilder();
                        page.stream().limit(size).forEach(s -> response.addSegments(toSegment(s)));
                        if (page.size() > size) {
                            Segments.Stored last = page.get(size - 1);
                            response.setNextPageToken(encode(last.id() + "\n" + last.name()));
                        }
                        return response.build();
                    });
        });
    }

    @Override
    public Uni<ValidateSegmentResponse> validateSegment(ValidateSegmentRequest request) {
        return Uni.createFrom().deferred(() -> queries.check(request.getDefinition(), request.getPurpose()))
                .map(checked -> ValidateSegmentResponse.newBuilder().setValid(true).build())
                .onFailure(InvalidInput.class).recoverWithItem(failure -> {
                    ValidateSegmentResponse.Builder response = ValidateSegmentResponse.newBuilder().setValid(false);
                    ((InvalidInput) failure).violations().forEach(v ->
                            response.addProblems(Problem.newBuilder().setField(v.field()).setDescription(v.description())));
                    return response.build();
                });
    }

    @Override
    public Uni<SegmentSize> previewSegment(PreviewSegmentRequest request) {
        return Uni.createFrom().deferred(() -> queries.preview(request.getDefinition(), request.getPurpose())).map(SegmentGrpcService::toSize);
    }

    @Override
    public Uni<ListMembersResponse> listMembers(ListMembersRequest request) {
        return Uni.createFrom().deferred(() -> {
            UUID segment = segmentId("segment_id", request.getSegmentId());
            int size = pageSize(request.getPageSize());
            UUID after = request.getPageToken().isEmpty() ? null : Ids.uuid("page_token", decode(request.getPageToken()), "a token this API gave");
            return queries.members(segment, after, size + 1).map(page -> {
                ListMembersResponse.Builder response = ListMembersResponse.newBuilder();
                page.stream().limit(size).forEach(response::addMembers);
                if (page.size() > size) {
                    response.setNextPageToken(encode(page.get(size - 1).getProfileId()));
                }
                return response.build();
            });
        });
    }

    @Override
    public Multi<Member> streamMembers(StreamMembersRequest request) {
        return Multi.createFrom().deferred(() -> queries.streamMembers(segmentId("segment_id", request.getSegmentId())));
    }

    @Override
    public Uni<ListMembershipsResponse> listMemberships(ListMembershipsRequest request) {
        return Uni.createFrom().deferred(() -> queries.memberships(Ids.profile("profile_id", request.getProfileId())))
                .map(list -> ListMembershipsResponse.newBuilder().addAllMemberships(list).build());
    }

    @Override
    public Uni<Explanation> explainMembership(ExplainMembershipRequest request) {
        return Uni.createFrom().deferred(() -> queries.explain(segmentId("segment_id", request.getSegmentId()),
                Ids.profile("profile_id", request.getProfileId())));
    }

    @Override
    public Uni<ListSizeHistoryResponse> listSizeHistory(ListSizeHistoryRequest request) {
        return Uni.createFrom().deferred(() -> queries.sizeHistory(segmentId("segment_id", request.getSegmentId()), pageSize(request.getPageSize())))
                .map(sizes -> ListSizeHistoryResponse.newBuilder().addAllSizes(sizes.stream().map(SegmentGrpcService::toSize).toList()).build());
    }

    @Override
    public Uni<RfmModel> getRfmModel(GetRfmModelRequest request) {
        return rfm.model().map(SegmentGrpcService::toModel);
    }

    @Override
    public Uni<RfmModel> updateRfmModel(UpdateRfmModelRequest request) {
        return Uni.createFrom().deferred(() -> rfm.model().flatMap(current -> {
            List<Violation> problems = new ArrayList<>();
            Duration window = current.window();
            if (!request.getWindow().isEmpty()) {
                try {
                    window = Duration.parse(request.getWindow());
                } catch (DateTimeParseException e) {
                    window = null;
                }
                if (window == null || window.compareTo(Duration.ofDays(1)) < 0 || window.compareTo(Duration.ofDays(3650)) > 0) {
                    problems.add(new Violation("window", "an ISO 8601 duration from P1D to P3650D, e.g. P365D"));
                }
            }
            String currency = request.getCurrency().isEmpty() ? current.currency() : request.getCurrency();
            if (!currency.matches("[A-Z]{3}")) {
                problems.add(new Violation("currency", "an ISO 4217 code such as EUR"));
            }
            if (!problems.isEmpty()) {
                throw new InvalidInput(problems);
            }
            List<RfmRule> rules = request.getRulesCount() == 0 ? current.rules() : request.getRulesList().stream()
                    .map(r -> new RfmRule(r.getName(), r.getRecency().getMin(), r.getRecency().getMax(), r.getFrequency().getMin(),
                            r.getFrequency().getMax(), r.getMonetary().getMin(), r.getMonetary().getMax())).toList();
            return rfm.update(window, currency, rules);
        })).map(SegmentGrpcService::toModel);
    }

    @Override
    public Uni<RfmRun> computeRfm(ComputeRfmRequest request) {
        return rfm.compute().map(SegmentGrpcService::toRun);
    }

    static RfmModel toModel(RfmScores.Model model) {
        RfmModel.Builder result = RfmModel.newBuilder().setWindow(model.window().toString()).setCurrency(model.currency());
        model.rules().forEach(r -> result.addRules(dev.rapport.proto.segment.v1.RfmRule.newBuilder().setName(r.name())
                .setRecency(ScoreRange.newBuilder().setMin(r.recencyMin()).setMax(r.recencyMax()))
                .setFrequency(ScoreRange.newBuilder().setMin(r.frequencyMin()).setMax(r.frequencyMax()))
                .setMonetary(ScoreRange.newBuilder().setMin(r.monetaryMin()).setMax(r.monetaryMax()))));
        if (model.latest() != null) {
            result.setLatestRun(toRun(model.latest()));
        }
        if (model.progress() != null) {
            result.setProgress(model.progress().<dev.rapport.proto.common.v1.Progress>toMessage(dev.rapport.proto.common.v1.Progress.newBuilder()));
        }
        return result.build();
    }

    static RfmRun toRun(RfmScores.Run run) {
        return RfmRun.newBuilder().setComputeTime(Envelopes.timestamp(run.time())).setProfilesScored(run.profiles())
                .setDurationMs(run.durationMs()).putAllSegmentSizes(run.sizes())
                .addAllTransitions(run.transitions().stream().map(t -> RfmTransition.newBuilder().setFromSegment(t.from())
                        .setToSegment(t.to()).setProfiles(t.profiles()).build()).toList())
                .build();
    }

    static Segment toSegment(Segments.Stored s) {
        Segment.Builder segment = Segment.newBuilder().setId(s.id().toString()).setName(s.name()).setDescription(s.description())
                .setPurpose(s.purpose()).setVersion(s.version())
                .setDefinition(dev.rapport.runtime.db.StoredJson.<Struct>read(StoredJson.write(s.definition()), Struct.newBuilder(), "a stored definition"))
                .setCreateTime(Envelopes.timestamp(s.createTime().toInstant()))
                .setUpdateTime(Envelopes.timestamp(s.updateTime().toInstant()));
        if (s.size() != null) {
            segment.setSize(toSize(s.size()));
        }
        return segment.build();
    }

    public static SegmentSize toSize(Memberships.Size size) {
        SegmentSize.Builder result = SegmentSize.newBuilder().setMembers(size.members()).setExcluded(size.withdrawn() + size.undecided())
                .setMeasureTime(Envelopes.timestamp(size.time())).setSegmentVersion(size.version());
        if (size.withdrawn() > 0) {
            result.addExclusions(Exclusion.newBuilder().setReason("consent withdrawn").setProfiles(size.withdrawn()));
        }
        if (size.undecided() > 0) {
            result.addExclusions(Exclusion.newBuilder().setReason("no consent recorded").setProfiles(size.undecided()));
        }
        return result.build();
    }

    private static UUID segmentId(String field, String value) {
        return Ids.uuid(field, value, "a segment id");
    }

    private static int pageSize(int requested) {
        if (requested < 0 || requested > MAX_PAGE) {
            throw new InvalidInput("page_size", "0 (for " + DEFAULT_PAGE + ") to " + MAX_PAGE);
        }
        return requested == 0 ? DEFAULT_PAGE : requested;
    }

    private static String encode(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String token) {
        try {
            return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidInput("page_token", "not a token this API gave");
        }
    }
}
