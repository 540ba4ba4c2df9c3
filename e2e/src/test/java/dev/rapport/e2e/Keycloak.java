package dev.rapport.e2e;

import static io.restassured.RestAssured.given;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.rapport.testing.LocalStack;
import io.restassured.http.ContentType;

/** The real Keycloak's admin API, for clients one test needs, and a token forged with another key. */
final class Keycloak {
    private Keycloak() {
    }

    /**
     * A confidential client created through the admin API for one test: with or without the gateway audience,
     * with the given access-token lifespan. Created once; later runs reuse it.
     */
    static void ensureClient(String clientId, String secret, boolean gatewayAudience, int tokenLifespanSeconds) {
        String admin = admin();
        List<?> existing = given().auth().oauth2(admin).queryParam("clientId", clientId)
                .get(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/clients").then().statusCode(200).extract().as(List.class);
        if (!existing.isEmpty()) {
            return;
        }
        Map<String, Object> client = new java.util.HashMap<>(Map.of(
                "clientId", clientId, "secret", secret, "enabled", true, "publicClient", false,
                "serviceAccountsEnabled", true, "standardFlowEnabled", false,
                "attributes", Map.of("access.token.lifespan", String.valueOf(tokenLifespanSeconds))));
        if (gatewayAudience) {
            client.put("protocolMappers", List.of(Map.of("name", "gateway-audience", "protocol", "openid-connect",
                    "protocolMapper", "oidc-audience-mapper",
                    "config", Map.of("included.client.audience", "rapport-gateway", "access.token.claim", "true"))));
        }
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(client)
                .post(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/clients").then().statusCode(201);
    }

    /** Lets the web client sign people in to pages served at this origin (the suite's own port). */
    @SuppressWarnings("unchecked")
    static void allowWebOrigin(String origin) {
        String admin = admin();
        Map<?, ?> client = given().auth().oauth2(admin).queryParam("clientId", "rapport-web")
                .get(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/clients").then().statusCode(200).extract().path("[0]");
        List<String> redirects = new java.util.ArrayList<>((List<String>) client.get("redirectUris"));
        if (redirects.contains(origin + "/*")) {
            return;
        }
        redirects.add(origin + "/*");
        Map<String, Object> changed = new java.util.HashMap<>((Map<String, Object>) client);
        changed.put("redirectUris", redirects);
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(changed)
                .put(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/clients/" + client.get("id")).then().statusCode(204);
    }

    /** A new customer account (password "demo", like the demo accounts) for one test; answers nothing, the user name is the test's. */
    static void createCustomer(String userName) {
        String admin = admin();
        given().auth().oauth2(admin).contentType(ContentType.JSON)
                .body(Map.of("username", userName, "enabled", true, "email", userName + "@rapport.example", "emailVerified", true,
                        "firstName", "Erin", "lastName", "Test",
                        "credentials", List.of(Map.of("type", "password", "value", "demo", "temporary", false))))
                .post(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/users").then().statusCode(201);
        String id = given().auth().oauth2(admin).queryParam("username", userName).queryParam("exact", true)
                .get(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/users").then().statusCode(200).extract().path("[0].id");
        Map<?, ?> customer = given().auth().oauth2(admin).get(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/roles/customer")
                .then().statusCode(200).extract().as(Map.class);
        given().auth().oauth2(admin).contentType(ContentType.JSON).body(List.of(customer))
                .post(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/users/" + id + "/role-mappings/realm").then().statusCode(204);
    }

    /** How many accounts have this user name (0 or 1). */
    static int accounts(String userName) {
        return given().auth().oauth2(admin()).queryParam("username", userName).queryParam("exact", true)
                .get(LocalStack.KEYCLOAK_URL + "/admin/realms/rapport/users").then().statusCode(200).extract().as(List.class).size();
    }

    private static String admin() {
        return given().contentType(ContentType.URLENC)
                .formParams(Map.of("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", "admin"))
                .post(LocalStack.KEYCLOAK_URL + "/realms/master/protocol/openid-connect/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** The same header and claims as a real token, signed by a key Keycloak never had. */
    static String resignedWithAnotherKey(String token) throws GeneralSecurityException {
        String[] parts = token.split("\\.");
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair stranger = generator.generateKeyPair();
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(stranger.getPrivate());
        rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        return parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(rs256.sign());
    }
}
