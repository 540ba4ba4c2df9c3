package dev.rapport.chatbot.privacy;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;

import dev.rapport.chatbot.conversation.Conversations;
import dev.rapport.proto.common.v1.Envelope;
import dev.rapport.proto.privacy.v1.DataSubjectRequest;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress;
import dev.rapport.proto.privacy.v1.DataSubjectRequestProgress.State;
import dev.rapport.proto.privacy.v1.SubjectIdentifier;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;

/**
 * chatbot-service's part of a data-subject request (privacy.dsr): erasure deletes the person's conversations — under
 * their profile, and those they started signed in before they had one — with their messages, ratings and unpublished
 * events; the erasure check counts what is still held there; access and portability point at
 * ChatService.ExportConversations. Each outcome, failures included, is reported on privacy.dsr.progress; a request
 * naming other services only is not this service's. A request read twice reports twice and changes nothing more.
 */
@ApplicationScoped
public class DataSubjectRequests {
    static final String SERVICE = "chatbot-service";
    static final String PROGRESS = "dev.rapport.privacy.dsr.progress.v1";
    /** The gateway's chat names a signed-in customer by their external id under this prefix (ChatSocket). */
    static final String SIGNED_IN = "customer:";

    private final Conversations conversations;
    private final MutinyEmitter<DataSubjectRequestProgress> progress;

    DataSubjectRequests(Conversations conversations, @Channel("privacy-dsr-progress") MutinyEmitter<DataSubjectRequestProgress> progress) {
        this.conversations = conversations;
        this.progress = progress;
    }

    @Incoming("privacy-dsr")
    public Uni<Void> carryOut(DataSubjectRequest request) {
        if (!request.getServicesList().isEmpty() && !request.getServicesList().contains(SERVICE)) {
            return Uni.createFrom().voidItem(); // the other services' part: they report, this one stays silent
        }
        UUID subject;
        try {
            subject = UUID.fromString(request.getSubject());
        } catch (IllegalArgumentException e) {
            return report(request, Outcome.failed("the subject is not a profile id"));
        }
        List<String> visitors = signedInAs(request.getIdentifiersList());
        UUID[] profiles = profiles(subject, request);
        // A failure is said out loud, so that the gateway retries; never left to a dead-letter topic nobody reads.
        Uni<Outcome> outcome = switch (request.getKind()) {
            case ERASURE -> conversations.erase(profiles, visitors)
                    .map(erased -> Outcome.completed(erased, erased == 0 ? "nothing held" : "conversations erased"))
                    .onFailure().recoverWithItem(Outcome.failed("erasure failed; nothing was erased, retry the request"));
            case ERASURE_CHECK -> conversations.held(profiles, visitors)
                    .map(held -> Outcome.completed(total(held), stillHeld(held)))
                    .onFailure().recoverWithItem(Outcome.failed("the check failed; nothing was changed, retry it"));
            case ACCESS, PORTABILITY -> conversations.export(profiles, visitors)
                    .collect().with(Collectors.partitioningBy(c -> !c.getProfileId().isEmpty(), Collectors.counting()))
                    .map(found -> access(found.get(true), found.get(false)))
                    .onFailure().recoverWithItem(Outcome.failed("counting the conversations failed; retry the request"));
            case RECTIFICATION -> Uni.createFrom().item(Outcome.completed(0, "a conversation records what was said; it is not rewritten"));
            case RESTRICTION, OBJECTION -> Uni.createFrom().item(Outcome.completed(0, "conversations are used for support only"));
            default -> Uni.createFrom().item(Outcome.failed("unknown request kind"));
        };
        return outcome.flatMap(done -> report(request, done));
    }

    /** The visitor ids the person chatted as while signed in: one per external id they were known by. */
    /** The subject and the profiles merged into it (PROFILE_ID identifiers): a conversation keeps the profile it started with. */
    static UUID[] profiles(UUID subject, DataSubjectRequest request) {
        java.util.Set<UUID> profiles = new java.util.LinkedHashSet<>(List.of(subject));
        for (SubjectIdentifier identifier : request.getIdentifiersList()) {
            if (identifier.getType().equals("PROFILE_ID")) {
                try {
                    profiles.add(UUID.fromString(identifier.getValue()));
                } catch (IllegalArgumentException notAnId) {
                    // not one of ours: nothing is held under it
                }
            }
        }
        return profiles.toArray(UUID[]::new);
    }

    static List<String> signedInAs(List<SubjectIdentifier> identifiers) {
        return identifiers.stream().filter(i -> i.getType().equals("EXTERNAL_ID") && !i.getValue().isEmpty())
                .map(i -> SIGNED_IN + i.getValue()).distinct().toList();
    }

    /** ExportConversations takes a profile id: conversations held under a sign-in alone are counted, and said to be apart. */
    private static Outcome access(long underProfile, long signedInOnly) {
        if (underProfile + signedInOnly == 0) {
            return Outcome.completed(0, "nothing held");
        }
        return Outcome.completed(underProfile + signedInOnly, "export ready: ChatService.ExportConversations" + (signedInOnly == 0 ? ""
                : " (with visitor_ids: " + signedInOnly + " started signed in before the profile existed)"));
    }

    /** This service's part of a request, as privacy.dsr.progress carries it. */
    record Outcome(State state, long records, String detail) {
        static Outcome completed(long records, String detail) {
            return new Outcome(State.COMPLETED, records, detail);
        }

        static Outcome failed(String detail) {
            return new Outcome(State.FAILED, 0, detail);
        }
    }

    static long total(Map<String, Long> held) {
        return held.values().stream().mapToLong(Long::longValue).sum();
    }

    /** "still held: conversation: 2, chat_message: 9" — where, never what — or "nothing held". */
    static String stillHeld(Map<String, Long> held) {
        return held.isEmpty() ? "nothing held"
                : held.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", ", "still held: ", ""));
    }

    private Uni<Void> report(DataSubjectRequest request, Outcome outcome) {
        DataSubjectRequestProgress message = DataSubjectRequestProgress.newBuilder()
                .setEnvelope(Envelopes.<Envelope>fill(Envelope.newBuilder(), "rapport/" + SERVICE, PROGRESS, request.getSubject(),
                        request.getRequestId() + "/" + SERVICE + "/" + request.getKind() + "/" + outcome.state()))
                .setRequestId(request.getRequestId()).setService(SERVICE).setKindValue(request.getKindValue()).setState(outcome.state())
                .setRecordsAffected(outcome.records()).setDetail(outcome.detail())
                .build();
        return progress.sendMessage(Message.of(message)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(request.getSubject()).build()));
    }
}
