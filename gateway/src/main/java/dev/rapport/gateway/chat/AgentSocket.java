package dev.rapport.gateway.chat;

import static dev.rapport.gateway.chat.ChatSocket.article;
import static dev.rapport.gateway.chat.ChatSocket.error;
import static dev.rapport.gateway.chat.ChatSocket.failed;
import static dev.rapport.gateway.chat.ChatSocket.send;
import static dev.rapport.gateway.chat.ChatSocket.text;
import static dev.rapport.gateway.chat.ChatSocket.withinRate;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import dev.rapport.proto.chat.v1.AcceptConversationRequest;
import dev.rapport.proto.chat.v1.ChatMessage;
import dev.rapport.proto.chat.v1.ChatService;
import dev.rapport.proto.chat.v1.Conversation;
import dev.rapport.proto.chat.v1.ListTeamsRequest;
import dev.rapport.proto.chat.v1.ListWaitingRequest;
import dev.rapport.proto.chat.v1.ResolveConversationRequest;
import dev.rapport.proto.chat.v1.SendAgentMessageRequest;
import dev.rapport.proto.chat.v1.TransferConversationRequest;
import dev.rapport.proto.chat.v1.WatchConversationRequest;
import io.grpc.Status;
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
 * The agents' WebSocket. The first frame is {@code {"type":"start","token":"<access token>"}} (role agent). Then
 * {@code queue} lists the conversations waiting for a person with their handoff packets, {@code accept} takes one
 * (its transcript comes back, then the customer's messages as they are written), {@code message} answers,
 * {@code transfer} passes it to another team's queue with a note, and {@code resolve} ends it (the customer is asked
 * for the survey). {@code teams} lists the teams (hours, open now, how many wait); {@code queue} takes the teams to
 * list ({@code "teams": [...]}, all when absent). What customers and agents write is passed on, never
 * logged here.
 */
@WebSocket(path = "/agent/socket")
public class AgentSocket {
    private static final Logger LOG = Logger.getLogger(AgentSocket.class);
    private static final UserData.TypedKey<String> AGENT = new UserData.TypedKey<>("rapport.agent");
    private static final UserData.TypedKey<Map<String, Cancellable>> WATCHES = new UserData.TypedKey<>("rapport.agent.watches");

    @Inject
    TenantIdentityProvider identities;

    @GrpcClient("chat")
    ChatService chat;

    @OnTextMessage
    Uni<Void> onFrame(String frame, WebSocketConnection connection) {
        if (!withinRate(connection)) {
            return error(connection, "Too many frames", "at most " + ChatSocket.MAX_FRAMES + " frames in "
                    + ChatSocket.WINDOW_MILLIS / 1000 + " seconds", List.of()).flatMap(v -> connection.close());
        }
        JsonObject json;
        try {
            json = new JsonObject(frame);
        } catch (DecodeException | ClassCastException e) {
            return error(connection, "Invalid frame", "a JSON object with a type", List.of());
        }
        String agent = connection.userData().get(AGENT);
        String type = String.valueOf(json.getValue("type", ""));
        if (!type.equals("start") && agent == null) {
            return error(connection, "Not started", "send a start frame with your access token first", List.of());
        }
        Uni<Void> handled = switch (type) {
            case "start" -> agent != null ? error(connection, "Already started", "one agent per connection", List.of())
                    : start(connection, text(json, "token", ""));
            case "queue" -> queue(connection, json.getValue("teams") instanceof JsonArray teams ? teams : new JsonArray());
            case "teams" -> chat.listTeams(ListTeamsRequest.getDefaultInstance()).flatMap(teams -> {
                JsonArray list = new JsonArray();
                teams.getTeamsList().forEach(t -> list.add(new JsonObject().put("name", t.getName())
                        .put("topics", new JsonArray(List.copyOf(t.getTopicsList()))).put("hours", t.getHours())
                        .put("openNow", t.getOpenNow()).put("waiting", t.getWaiting())));
                return send(connection, new JsonObject().put("type", "teams").put("teams", list));
            });
            case "transfer" -> chat.transferConversation(TransferConversationRequest.newBuilder()
                            .setConversationId(text(json, "conversation", "")).setAgent(agent)
                            .setTeam(text(json, "team", "")).setNote(text(json, "note", "")).build())
                    .invoke(c -> unwatch(connection, c.getId()))
                    .flatMap(c -> send(connection, status(c).put("team", c.getHandoff().getTeam())));
            case "accept" -> accept(connection, agent, text(json, "conversation", ""));
            case "message" -> chat.sendAgentMessage(SendAgentMessageRequest.newBuilder().setConversationId(text(json, "conversation", ""))
                            .setAgent(agent).setMessageId(text(json, "id", "")).setText(text(json, "text", "")).build())
                    .flatMap(m -> send(connection, new JsonObject().put("type", "sent").put("conversation", text(json, "conversation", ""))
                            .put("id", text(json, "id", ""))));
            case "resolve" -> chat.resolveConversation(ResolveConversationRequest.newBuilder()
                            .setConversationId(text(json, "conversation", "")).setAgent(agent).build())
                    .invoke(c -> unwatch(connection, c.getId()))
                    .flatMap(c -> send(connection, status(c)));
            default -> error(connection, "Invalid frame", "type is start, queue, teams, accept, message, transfer or resolve", List.of());
        };
        return handled.onFailure().recoverWithUni(failure -> failed(connection, failure));
    }

    private Uni<Void> start(WebSocketConnection connection, String token) {
        return identities.authenticate(new AccessTokenCredential(token))
                .onFailure().transform(f -> Status.UNAUTHENTICATED.withDescription("a valid access token is required").asRuntimeException())
                .flatMap(identity -> {
                    if (!identity.getRoles().contains("agent")) {
                        throw Status.PERMISSION_DENIED.withDescription("the agent desk is for agents").asRuntimeException();
                    }
                    String agent = identity.getPrincipal().getName();
                    connection.userData().put(AGENT, agent);
                    connection.userData().put(WATCHES, new ConcurrentHashMap<>());
                    return send(connection, new JsonObject().put("type", "started").put("agent", agent).put("teams", teamsOf(identity)));
                });
    }

    /**
     * The teams an agent belongs to (Keycloak groups under /support-teams, claim rapport_teams): the queues the console
     * follows until the agent chooses others. None: every queue.
     */
    private static JsonArray teamsOf(io.quarkus.security.identity.SecurityIdentity identity) {
        JsonArray teams = new JsonArray();
        if (identity.getPrincipal() instanceof org.eclipse.microprofile.jwt.JsonWebToken token && token.getClaim("rapport_teams") != null) {
            Object claim = token.getClaim("rapport_teams");
            Iterable<?> values = claim instanceof Iterable<?> many ? many : List.of(claim);
            for (Object value : values) {
                String team = value instanceof jakarta.json.JsonString json ? json.getString() : String.valueOf(value);
                teams.add(team.replaceFirst("^/?support-teams/", ""));
            }
        }
        return teams;
    }

    private Uni<Void> queue(WebSocketConnection connection, JsonArray teams) {
        ListWaitingRequest.Builder request = ListWaitingRequest.newBuilder();
        teams.forEach(team -> request.addTeams(String.valueOf(team)));
        return chat.listWaiting(request.build()).flatMap(waiting -> {
            JsonArray conversations = new JsonArray();
            waiting.getConversationsList().forEach(c -> conversations.add(summary(c)));
            return send(connection, new JsonObject().put("type", "queue").put("conversations", conversations));
        });
    }

    /** Takes the conversation, sends its transcript and handoff packet, then the customer's messages as they come. */
    private Uni<Void> accept(WebSocketConnection connection, String agent, String conversation) {
        return chat.acceptConversation(AcceptConversationRequest.newBuilder().setConversationId(conversation).setAgent(agent).build())
                .flatMap(c -> {
                    JsonArray transcript = new JsonArray();
                    c.getMessagesList().forEach(m -> transcript.add(message(c.getId(), m)));
                    return send(connection, summary(c).put("type", "accepted").put("messages", transcript))
                            .invoke(() -> watch(connection, c));
                });
    }

    private void watch(WebSocketConnection connection, Conversation c) {
        Map<String, Cancellable> watches = connection.userData().get(WATCHES);
        if (watches.containsKey(c.getId())) {
            return;
        }
        String last = c.getMessages(c.getMessagesCount() - 1).getId();
        String agent = c.getAgent();
        watches.put(c.getId(), chat.watchConversation(WatchConversationRequest.newBuilder().setConversationId(c.getId())
                        .setAfterMessageId(last).build())
                .onItem().transformToUniAndConcatenate(update -> {
                    if (update.hasConversation() && !agent.equals(update.getConversation().getAgent())) {
                        // no longer this agent's: nothing more reaches this desk
                        unwatch(connection, c.getId());
                        return Uni.createFrom().voidItem();
                    }
                    return update.hasMessage() && update.getMessage().getAuthor() == ChatMessage.Author.CUSTOMER
                            ? send(connection, message(c.getId(), update.getMessage()))
                            : update.hasConversation() ? send(connection, status(update.getConversation())) : Uni.createFrom().voidItem();
                })
                .onTermination().invoke(() -> watches.remove(c.getId()))
                .subscribe().with(sent -> { }, failure -> {
                    LOG.debugf("agent watch ended: %s", failure.toString());
                    send(connection, new JsonObject().put("type", "error").put("title", "Live updates stopped")
                            .put("detail", "accept the conversation again to follow it").put("conversation", c.getId()))
                            .subscribe().with(sent -> { }, ignored -> { });
                }));
    }

    private static void unwatch(WebSocketConnection connection, String conversation) {
        Cancellable watching = connection.userData().get(WATCHES).remove(conversation);
        if (watching != null) {
            watching.cancel();
        }
    }

    @OnClose
    void onClose(WebSocketConnection connection) {
        Map<String, Cancellable> watches = connection.userData().get(WATCHES);
        if (watches != null) {
            watches.values().forEach(Cancellable::cancel);
        }
    }

    /** A conversation for the agent: who, in which language, and the handoff packet so nobody asks again. */
    private static JsonObject summary(Conversation c) {
        JsonArray tried = new JsonArray();
        c.getHandoff().getBotTriedList().forEach(a -> tried.add(article(a)));
        return new JsonObject().put("conversation", c.getId()).put("status", c.getStatus().name()).put("language", c.getLanguage())
                .put("handoff", new JsonObject()
                        .put("reason", c.getHandoff().getReason().name())
                        .put("signedIn", c.getHandoff().getSignedIn())
                        .put("offline", c.getHandoff().getOffline())
                        .put("contact", c.getHandoff().getContact())
                        .put("customerSaid", new JsonArray(List.copyOf(c.getHandoff().getCustomerSaidList())))
                        .put("botTried", tried)
                        .put("team", c.getHandoff().getTeam())
                        .put("routedBy", c.getHandoff().getRoutedBy())
                        .put("topic", c.getHandoff().getTopic())
                        .put("urgency", c.getHandoff().getUrgency().name())
                        .put("customerFacts", new JsonObject(new java.util.TreeMap<String, Object>(c.getHandoff().getCustomerFactsMap())))
                        .put("transferNotes", new JsonArray(List.copyOf(c.getHandoff().getTransferNotesList()))));
    }

    private static JsonObject message(String conversation, ChatMessage m) {
        return new JsonObject().put("type", "message").put("conversation", conversation).put("id", m.getId())
                .put("author", m.getAuthor().name()).put("text", m.getText());
    }

    private static JsonObject status(Conversation c) {
        return ChatSocket.status(c).put("conversation", c.getId());
    }
}
