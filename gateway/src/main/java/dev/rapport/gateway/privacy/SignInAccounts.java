package dev.rapport.gateway.privacy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import dev.rapport.gateway.config.PrivacyConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * People's sign-in accounts in Keycloak, as an erasure reaches them: found by user name (a customer's user name is
 * their profile's external id) and deleted through the admin API, with the client-credentials token of the
 * {@code rapport-privacy} client (its service account may only view and manage users).
 */
@ApplicationScoped
public class SignInAccounts {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final String realmUrl;
    private final String adminUrl;
    private final String clientId;
    private final String clientSecret;

    SignInAccounts(@ConfigProperty(name = "quarkus.oidc.auth-server-url") String realmUrl, PrivacyConfig config) {
        this.realmUrl = realmUrl;
        // https://host/realms/rapport → https://host/admin/realms/rapport
        this.adminUrl = realmUrl.replaceFirst("/realms/([^/]+)/?$", "/admin/realms/$1");
        this.clientId = config.accounts().clientId();
        this.clientSecret = config.accounts().clientSecret();
    }

    /** Accounts found under a person's user names: customers' (erased) and any with other roles (left for review). */
    public record Accounts(long customers, long others) {
    }

    /** Roles every account has; anything else (staff roles) keeps an account from being deleted by an erasure. */
    private static final java.util.Set<String> CUSTOMER_ROLES = java.util.Set.of("customer", "default-roles-rapport", "offline_access",
            "uma_authorization");

    /**
     * Deletes the customer accounts with these user names (an external id is the partner app's word, so an account
     * that holds any staff role is never deleted by an erasure: it is counted for review). Deleting what is gone
     * deletes nothing.
     */
    public Uni<Accounts> delete(List<String> userNames) {
        return token().flatMap(token -> accounts(token, userNames).flatMap(found -> Multi.createFrom().iterable(found.entrySet())
                .onItem().transformToUniAndConcatenate(account -> !account.getValue() ? Uni.createFrom().item(0L)
                        : call(HttpRequest.newBuilder(URI.create(adminUrl + "/users/" + account.getKey())).DELETE(), token).map(response -> {
                            if (response.statusCode() != 204 && response.statusCode() != 404) {
                                throw new IllegalStateException("Keycloak answered " + response.statusCode() + " to a user deletion");
                            }
                            return 1L;
                        }))
                .collect().asList()
                .map(deleted -> new Accounts(deleted.stream().mapToLong(Long::longValue).sum(), found.values().stream().filter(c -> !c).count()))));
    }

    /** The accounts with these user names that exist now. */
    public Uni<Accounts> count(List<String> userNames) {
        return token().flatMap(token -> accounts(token, userNames))
                .map(found -> new Accounts(found.values().stream().filter(c -> c).count(), found.values().stream().filter(c -> !c).count()));
    }

    /** Account id → whether it is a customer's only. */
    private Uni<java.util.Map<String, Boolean>> accounts(String token, List<String> userNames) {
        return Multi.createFrom().iterable(userNames)
                .onItem().transformToUniAndConcatenate(name -> find(token, name))
                .onItem().transformToIterable(ids -> ids)
                .onItem().transformToUniAndConcatenate(id -> call(HttpRequest.newBuilder(URI.create(adminUrl + "/users/" + id + "/role-mappings/realm")).GET(), token)
                        .map(response -> {
                            if (response.statusCode() != 200) {
                                throw new IllegalStateException("Keycloak answered " + response.statusCode() + " to a role look-up");
                            }
                            boolean customer = new JsonArray(response.body()).stream()
                                    .allMatch(role -> CUSTOMER_ROLES.contains(((JsonObject) role).getString("name")));
                            return java.util.Map.entry(id, customer);
                        }))
                .collect().asMap(java.util.Map.Entry::getKey, java.util.Map.Entry::getValue);
    }

    private Uni<List<String>> find(String token, String userName) {
        String query = "/users?exact=true&briefRepresentation=true&username=" + URLEncoder.encode(userName, StandardCharsets.UTF_8);
        return call(HttpRequest.newBuilder(URI.create(adminUrl + query)).GET(), token).map(response -> {
            if (response.statusCode() != 200) {
                throw new IllegalStateException("Keycloak answered " + response.statusCode() + " to a user search");
            }
            return new JsonArray(response.body()).stream().map(user -> ((JsonObject) user).getString("id")).toList();
        });
    }

    private Uni<String> token() {
        String form = "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8);
        return send(HttpRequest.newBuilder(URI.create(realmUrl + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)))
                .map(response -> {
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("Keycloak refused the privacy client's token (" + response.statusCode() + ")");
                    }
                    return new JsonObject(response.body()).getString("access_token");
                });
    }

    private Uni<HttpResponse<String>> call(HttpRequest.Builder request, String token) {
        return send(request.header("Authorization", "Bearer " + token));
    }

    private Uni<HttpResponse<String>> send(HttpRequest.Builder request) {
        return Uni.createFrom().completionStage(() -> http.sendAsync(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofString()));
    }
}
