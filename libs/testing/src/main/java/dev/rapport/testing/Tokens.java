package dev.rapport.testing;

import static io.restassured.RestAssured.given;

import java.util.Map;

import io.restassured.http.ContentType;

/** Real access tokens from the local Keycloak's rapport realm (k8s/rapport/files/rapport-realm.json). */
public final class Tokens {
    public static final String REALM = LocalStack.KEYCLOAK_URL + "/realms/rapport";

    private Tokens() {
    }

    /** The demo partner app's token (client credentials, role partner, audience rapport-gateway). */
    public static String partner() {
        return client("demo-partner", "demo-partner-secret");
    }

    public static String client(String clientId, String secret) {
        return given().contentType(ContentType.URLENC)
                .formParams(Map.of("grant_type", "client_credentials", "client_id", clientId, "client_secret", secret))
                .post(REALM + "/protocol/openid-connect/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** A demo person's token (password grant through the public client rapport-web); every demo password is "demo". */
    public static String person(String username) {
        return given().contentType(ContentType.URLENC)
                .formParams(Map.of("grant_type", "password", "client_id", "rapport-web", "username", username, "password", "demo"))
                .post(REALM + "/protocol/openid-connect/token")
                .then().statusCode(200).extract().path("access_token");
    }
}
