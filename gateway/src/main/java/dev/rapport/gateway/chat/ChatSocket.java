package dev.rapport.gateway.chat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.rapport.proto.chat.v1.ArticleMatch;
import dev.rapport.proto.chat.v1.ChatMessage;
import dev.rapport.proto.chat.v1.ChatService;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.GetConversationRequest;
import dev.rapport.proto.chat.v1.RateConversationRequest;
import dev.rapport.proto.chat.v1.SearchArticlesRequest;
import dev.rapport.proto.chat.v1.SendMessageRequest;
import dev.rapport.proto.chat.v1.StartConversationRequest;
import dev.rapport.proto.chat.v1.WatchConversationRequest;
import dev.rapport.proto.profile.v1.GetProfileRequest;
import dev.rapport.proto.profile.v1.Identifier;
import dev.rapport.proto.profile.v1.Profile;
import dev.rapport.proto.profile.v1.ProfileService;
import dev.rapport.runtime.error.InvalidInput;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.oidc.AccessTokenCredential;
import io.quarkus.oidc.TenantIdentityProvider;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The chat widget's WebSocket. Browsers cannot set headers on a WebSocket, so the first frame says who is talking:
 * {@code {"type":"start","language":"ko","token":"<access token>"}} for a signed-in customer, or
 * {@code {"visitor":"<signed visitor id>"}} for a returning visitor (a new visitor gets one). Then
 * {@code {"type":"message","id":"m1","text":"…"}} asks the bot and {@code {"type":"typing","text":"…"}} asks for
 * article suggestions while typing, {@code {"type":"rate","satisfaction":4,"comment":"…"}} answers the survey. The
 * gateway answers with "started", "message", "status", "suggestions", "rated" and "error" frames
 * (chatbot-service/README.md). What customers write is passed on, never logged here.
 */
@WebSocket(path = "/chat/socket")
public class ChatSocket {
    private static final Logger LOG = Logger.getLogger(ChatSocket.class);
    private static final UserData.TypedKey<JsonObject> SESSION = new UserData.TypedKey<>("rapport.chat.session");
    private static final int MIN_TYPED = 3;
    private static final int MAX_TYPED = 1_000;
    /** Frames a connection may send in {@link #WINDOW_MILLIS}: typing sends one per pause, a person far fewer. */
    static final int MAX_FRAMES = 40;
    static final long WINDOW_MILLIS = 10_000;
    private static final UserData.TypedKey<long[]> RATE = new UserData.TypedKey<>("rapport.chat.rate");
    /** What a person (agent) writes, pushed as it happens; cancelled when the customer goes. */
    private static final UserData.TypedKey<Cancellable> WATCH = new UserData.TypedKey<>("rapport.chat.watch");
    /** Messages this connection has shown, so a live update does not repeat a reply the turn already carried. */
    private static final UserData.TypedKey<Set<String>> SHOWN = new UserData.TypedKey<>("rapport.chat.shown");
    private static final UserData.TypedKey<String> STATUS = new UserData.TypedKey<>("rapport.chat.status");

    @Inject
    TenantIdentityProvider identities;

    @Inject
    VisitorIds visitors;

    @GrpcClient("chat")
    ChatService chat;

    @GrpcClient("profile")
    ProfileService profiles;

    @OnTextMessage
    Uni<Void> onFrame(String frame, WebSocketConnection connection) {
        if (!withinRate(connection)) {
            return error(connection, "Too many frames", "at most " + MAX_FRAMES + " frames in " + WINDOW_MILLIS / 1000
                    + " seconds", List.of()).flatMap(v -> connection.close());
        }
        JsonObject json;
        try {
            json = new JsonObject(frame);
        } catch (DecodeException | ClassCastException e) {
            return error(connection, "Invalid frame", "a JSON object with a type", List.of());
        }
        JsonObject session = connection.userData().get(SESSION);
        String type = String.valueOf(json.getValue("type", ""));
        if (!type.equals("start") && session == null) {
            return error(connection, "Not started", "send a start frame first", List.of());
        }
        Uni<Void> handled = switch (type) {
            case "start" -> session != null ? error(connection, "Already started", "one conversation per connection", List.of())
                    : start(connection, json);
            case "message" -> message(connection, session, json);
            case "typing" -> typing(connection, session, json);
            case "rate" -> rate(connection, session, json);
            default -> error(connection, "Invalid frame", "type is start, message, typing or rate", List.of());
        };
        return handled.onFailure().recoverWithUni(failure -> failed(connection, failure));
    }

    /** A fixed window per connection; frames are handled one at a time, so no lock is needed. */
    static boolean withinRate(WebSocketConnection connection) {
        long now = System.currentTimeMillis();
        long[] window = connection.userData().get(RATE);
        if (window == null || now - window[0] > WINDOW_MILLIS) {
            connection.userData().put(RATE, new long[] { now, 1 });
            return true;
        }
        return ++window[1] <= MAX_FRAMES;
    }

    private Uni<Void> start(WebSocketConnection connection, JsonObject json) {
        String language = text(json, "language", "en");
        String token = text(json, "token", "");
        Uni<Owner> owner;
        if (!token.isEmpty()) {
            owner = identities.authenticate(new AccessTokenCredential(token))
                    .map(identity -> {
                        if (!identity.getRoles().contains("customer")) {
                            throw Status.PERMISSION_DENIED.withDescription("the chat is for customers").asRuntimeException();
                        }
                        return identity.getPrincipal().getName();
                    })
                    .onFailure(f -> !(f instanceof StatusRuntimeException))
                    .transform(f -> Status.UNAUTHENTICATED.withDescription("a valid access token is required").asRuntimeException())
                    .flatMap(name -> profileOf(name).map(profile -> new Owner("customer:" + name, null, profile)));
        } else if (json.getValue("visitor") != null) {
            owner = Uni.createFrom().item(() -> visitors.verify(text(json, "visitor", ""))
                    .map(id -> new Owner(id, text(json, "visitor", ""), ""))
                    .orElseThrow(() -> Status.UNAUTHENTICATED.withDescription("not a visitor id this gateway gave").asRuntimeException()));
        } else {
            String signed = visitors.issue();
            owner = Uni.createFrom().item(new Owner(visitors.verify(signed).orElseThrow(), signed, ""));
        }
        String resume = text(json, "conversation", "");
        return owner.flatMap(who -> {
            Uni<Conversation> conversation = resume.isEmpty()
                    ? chat.startConversation(StartConversationRequest.newBuilder().setVisitorId(who.id()).setProfileId(who.profile())
                            .setLanguage(language).build()).map(turn -> turn.getConversation().toBuilder().addAllMessages(turn.getRepliesList()).build())
                    : chat.getConversation(GetConversationRequest.newBuilder().setConversationId(resume).build()).map(c -> {
                        if (!c.getVisitorId().equals(who.id())) {
                            // someone else's conversation is refused exactly as a missing one
                            throw Status.NOT_FOUND.withDescription("conversation not found").asRuntimeException();
                        }
                        return c;
                    });
            return conversation.flatMap(c -> {
                connection.userData().put(SESSION, new JsonObject().put("conversation", c.getId()).put("language", c.getLanguage()));
                JsonObject started = new JsonObject().put("type", "started").put("conversation", c.getId())
                        .put("status", c.getStatus().name()).put("language", c.getLanguage());
                if (who.signed() != null) {
                    started.put("visitor", who.signed());
                }
                return send(connection, started).flatMap(v -> messages(connection, c.getMessagesList()))
                        .invoke(() -> watch(connection, c));
            });
        });
    }

    private Uni<Void> message(WebSocketConnection connection, JsonObject session, JsonObject json) {
        return chat.sendMessage(SendMessageRequest.newBuilder().setConversationId(session.getString("conversation"))
                        .setMessageId(text(json, "id", "")).setText(text(json, "text", "")).setArticleId(text(json, "article", "")).build())
                .flatMap(turn -> messages(connection, turn.getRepliesList())
                        .invoke(() -> connection.userData().put(STATUS, turn.getConversation().getStatus().name()))
                        .flatMap(v -> send(connection, status(turn.getConversation()))));
    }

    /**
     * The signed-in customer's profile (their user name is its external id), so that what happens in the chat reaches
     * their timeline and holds marketing back after a bad experience; none when the brand has no profile for them.
     */
    private Uni<String> profileOf(String userName) {
        return profiles.getProfile(GetProfileRequest.newBuilder()
                        .setIdentifier(Identifier.newBuilder().setType(Identifier.Type.EXTERNAL_ID).setValue(userName)).build())
                .map(Profile::getId)
                .onFailure().recoverWithItem(failure -> {
                    // the chat goes on without the link when profile-service has no profile for them, or is away
                    if (!(failure instanceof StatusRuntimeException s && s.getStatus().getCode() == Status.Code.NOT_FOUND)) {
                        LOG.warnf("chat started without the customer's profile: %s", failure.toString());
                    }
                    return "";
                });
    }

    private Uni<Void> rate(WebSocketConnection connection, JsonObject session, JsonObject json) {
        Object satisfaction = json.getValue("satisfaction");
        return chat.rateConversation(RateConversationRequest.newBuilder().setConversationId(session.getString("conversation"))
                        .setSatisfaction(satisfaction instanceof Integer i ? i : 0).setComment(text(json, "comment", "")).build())
                .flatMap(c -> send(connection, new JsonObject().put("type", "rated").put("satisfaction", c.getSatisfaction())));
    }

    private Uni<Void> typing(WebSocketConnection connection, JsonObject session, JsonObject json) {
        String typed = text(json, "text", "");
        if (typed.length() > MAX_TYPED) {
            // suggestions come from the start of a long message; the message itself may be longer
            typed = typed.substring(0, MAX_TYPED);
        }
        if (typed.strip().length() < MIN_TYPED) {
            return send(connection, new JsonObject().put("type", "suggestions").put("articles", new JsonArray()));
        }
        return chat.searchArticles(SearchArticlesRequest.newBuilder().setText(typed).setLanguage(session.getString("language"))
                        .setTyping(true).setLimit(3).build())
                .flatMap(found -> {
                    JsonArray articles = new JsonArray();
                    found.getMatchesList().stream().filter(m -> m.getScore() > 0).forEach(m -> articles.add(article(m)));
                    return send(connection, new JsonObject().put("type", "suggestions").put("articles", articles));
                });
    }

    /**
     * Live updates of the conversation: what an agent writes, the notices of an agent joining and resolving, and
     * status changes (the survey appears when a person resolves it), from whichever replica they come.
     */
    private void watch(WebSocketConnection connection, Conversation c) {
        String last = c.getMessagesCount() == 0 ? "" : c.getMessages(c.getMessagesCount() - 1).getId();
        connection.userData().put(STATUS, c.getStatus().name());
        Cancellable watching = chat.watchConversation(WatchConversationRequest.newBuilder().setConversationId(c.getId())
                        .setAfterMessageId(last).build())
                .onItem().transformToUniAndConcatenate(update -> {
                    if (update.hasMessage() && update.getMessage().getAuthor() != ChatMessage.Author.CUSTOMER) {
                        return messages(connection, List.of(update.getMessage()));
                    }
                    if (update.hasConversation() && !update.getConversation().getStatus().name().equals(connection.userData().get(STATUS))) {
                        connection.userData().put(STATUS, update.getConversation().getStatus().name());
                        return send(connection, status(update.getConversation()));
                    }
                    return Uni.createFrom().voidItem();
                })
                // live updates lost (chatbot-service restarting): close, so the widget reconnects and resumes
                .subscribe().with(sent -> { }, failure -> {
                    LOG.debugf("chat watch ended: %s", failure.toString());
                    connection.close().subscribe().with(closed -> { }, ignored -> { });
                });
        connection.userData().put(WATCH, watching);
    }

    @OnClose
    void onClose(WebSocketConnection connection) {
        Cancellable watching = connection.userData().get(WATCH);
        if (watching != null) {
            watching.cancel();
        }
    }

    private Uni<Void> messages(WebSocketConnection connection, List<ChatMessage> messages) {
        Set<String> shown = connection.userData().get(SHOWN);
        if (shown == null) {
            shown = ConcurrentHashMap.newKeySet();
            connection.userData().put(SHOWN, shown);
        }
        Uni<Void> sent = Uni.createFrom().voidItem();
        for (ChatMessage m : messages) {
            if (!shown.add(m.getId())) {
                continue;
            }
            JsonArray choices = new JsonArray();
            m.getChoicesList().forEach(c -> choices.add(article(c)));
            JsonObject frame = new JsonObject().put("type", "message").put("id", m.getId()).put("author", m.getAuthor().name())
                    .put("text", m.getText()).put("articleId", m.getArticleId()).put("choices", choices)
                    .put("quickReplies", new JsonArray(List.copyOf(m.getQuickRepliesList())));
            sent = sent.flatMap(v -> send(connection, frame));
        }
        return sent;
    }

    static JsonObject status(Conversation c) {
        return new JsonObject().put("type", "status").put("status", c.getStatus().name())
                .put("handoverReason", c.getHandoverReason().name());
    }

    static JsonObject article(ArticleMatch m) {
        return new JsonObject().put("id", m.getArticleId()).put("title", m.getTitle());
    }

    static Uni<Void> failed(WebSocketConnection connection, Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            Status.Code code = status.getStatus().getCode();
            return switch (code) {
                case INVALID_ARGUMENT -> error(connection, "Invalid input", status.getStatus().getDescription(), violations(status));
                case NOT_FOUND -> error(connection, "Not found", status.getStatus().getDescription(), List.of());
                case FAILED_PRECONDITION -> error(connection, "Conflict", status.getStatus().getDescription(), List.of());
                case UNAUTHENTICATED, PERMISSION_DENIED -> error(connection, "Not allowed", status.getStatus().getDescription(), List.of())
                        .flatMap(v -> connection.close());
                case RESOURCE_EXHAUSTED -> error(connection, "Too large", "the message is too large", List.of());
                case UNAVAILABLE, DEADLINE_EXCEEDED -> error(connection, "Service unavailable", "the chat is unavailable; retry later", List.of());
                default -> internal(connection, failure);
            };
        }
        return internal(connection, failure);
    }

    static Uni<Void> internal(WebSocketConnection connection, Throwable failure) {
        LOG.errorf(failure, "chat frame failed");
        return error(connection, "Internal error", "internal error", List.of());
    }

    static List<JsonObject> violations(StatusRuntimeException failure) {
        return InvalidInput.carriedBy(failure).stream()
                .map(v -> new JsonObject().put("field", v.field()).put("description", v.description())).toList();
    }

    static Uni<Void> error(WebSocketConnection connection, String title, String detail, List<JsonObject> violations) {
        return send(connection, new JsonObject().put("type", "error").put("title", title).put("detail", detail)
                .put("violations", new JsonArray(violations)));
    }

    static Uni<Void> send(WebSocketConnection connection, JsonObject frame) {
        return connection.sendText(frame.encode());
    }

    static String text(JsonObject json, String field, String otherwise) {
        Object value = json.getValue(field);
        return value instanceof String s ? s : otherwise;
    }

    /** Who started the conversation: the id it is kept under, the signed visitor id to give back, the profile if any. */
    private record Owner(String id, String signed, String profile) {
    }
}
