package dev.rapport.e2e;

import static dev.rapport.e2e.Suite.rest;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.rapport.testing.LocalStack;
import dev.rapport.testing.Tokens;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.vertx.core.json.JsonObject;

/**
 * The OWASP API Security Top 10 (2023), one or more tests for each, against the running suite with real Keycloak
 * tokens, as an attacker would try them through the gateway. Where a category is proven closer to its code, the test
 * here names that test too. API10 (unsafe consumption of APIs) is campaign-service's ConnectedContentTest: connected
 * content answers over the size limit, not JSON, slow or failing, fetched from a real HTTP source (which the suite
 * here, allowing no private address, cannot reach).
 */
@ExtendWith(RunningSuite.class)
class ApiSecurityTest {
    private static final String GATEWAY = "http://127.0.0.1:" + Suite.GATEWAY;
    private static String alice;
    private static String bob;
    private static String aliceProfile;
    private static String bobProfile;

    /** Two customers of the brand, each with a profile (their user name is their external id). */
    @BeforeAll
    static void customers() {
        RestAssured.enableLoggingOfRequestAndResponseIfValidationFails();
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String aliceName = "owasp-alice-" + suffix;
        String bobName = "owasp-bob-" + suffix;
        Keycloak.createCustomer(aliceName);
        Keycloak.createCustomer(bobName);
        aliceProfile = profileOf(aliceName);
        bobProfile = profileOf(bobName);
        for (String profile : List.of(aliceProfile, bobProfile)) { // each has a consent state of their own to see
            rest(Tokens.partner()).body(consent(profile, true).encode()).post("/api/v1/consents").then().statusCode(201);
        }
        alice = Tokens.person(aliceName);
        bob = Tokens.person(bobName);
    }

    /** API1 Broken object level authorisation: another customer's objects answer exactly as missing ones do. */
    @Test
    void api1ACustomerReachesOnlyTheirOwnObjectsAndOthersLookMissing() {
        String nobody = UUID.randomUUID().toString();
        for (String path : List.of("/api/v1/profiles/%s", "/api/v1/profiles/%s/consent", "/api/v1/profiles/%s/consent/records",
                "/api/v1/profiles/%s/timeline", "/api/v1/profiles/%s/inbox")) {
            assertEquals(200, rest(alice).get(path.formatted(aliceProfile)).statusCode(), path + " of their own");
            Response someoneElse = rest(alice).get(path.formatted(bobProfile));
            Response missing = rest(alice).get(path.formatted(nobody));
            assertEquals(404, someoneElse.statusCode(), path + " of another customer");
            assertEquals(missing.statusCode(), someoneElse.statusCode(), path);
            assertEquals(missing.jsonPath().getString("title"), someoneElse.jsonPath().getString("title"), path);
            assertFalse(someoneElse.asString().contains(bobProfile), "the answer does not confirm the id: " + someoneElse.asString());
        }
        // nor can they decide for the other, or ask for the other's data
        rest(alice).body(consent(bobProfile, true).encode()).post("/api/v1/consents").then().statusCode(404);
        rest(alice).body(Map.of("subject", bobProfile, "kind", "ACCESS")).post("/api/v1/privacy-requests").then().statusCode(400)
                .body("violations[0].description", containsString("a customer asks about themselves"));
        rest(bob).get("/api/v1/profiles/" + bobProfile).then().statusCode(200);
    }

    /** API2 Broken authentication: every kind of bad token is refused the same way, with no detail to learn from. */
    @Test
    void api2EveryBadTokenIsRefused() throws Exception {
        String valid = Tokens.partner();
        String[] parts = valid.split("\\.");
        JsonObject claims = new JsonObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String unsigned = url.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        JsonObject raised = claims.copy().put("realm_access", new JsonObject().put("roles", List.of("admin", "privacy-officer")));
        String tampered = parts[0] + "." + url.encodeToString(raised.encode().getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        String otherIssuer = RestAssured.given().contentType("application/x-www-form-urlencoded")
                .formParams(Map.of("grant_type", "password", "client_id", "admin-cli", "username", "admin", "password", "admin"))
                .post(LocalStack.KEYCLOAK_URL + "/realms/master/protocol/openid-connect/token").then().statusCode(200).extract().path("access_token");
        Map<String, String> bad = new java.util.LinkedHashMap<>();
        bad.put("alg none", unsigned);
        bad.put("claims changed after signing", tampered);
        bad.put("signed by another key", Keycloak.resignedWithAnotherKey(valid));
        bad.put("another issuer (the master realm)", otherIssuer);
        bad.put("not a JWT", "not-a-jwt");
        for (var token : bad.entrySet()) {
            rest(token.getValue()).get("/api/v1/segments").then().statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", "Bearer").body("detail", equalTo("a valid bearer token is required"));
        }
        RestAssured.given().baseUri(GATEWAY).get("/api/v1/segments").then().statusCode(401);
        rest(valid).get("/api/v1/segments").then().statusCode(200);
        // expired, wrong audience and a forged signature over gRPC: WalkingSkeletonTest#requestsWithoutAValidTokenForTheGatewayAreRefused
    }

    /** API3 Broken object property level authorisation: a field only a privacy officer may change stays as it is. */
    @Test
    void api3ACustomerCannotMoveThemselvesToAnotherJurisdictionButAPrivacyOfficerCan() {
        rest(alice).body(consent(aliceProfile, true).put("jurisdiction", "ES").encode()).post("/api/v1/consents").then().statusCode(201);
        rest(alice).body(consent(aliceProfile, false).put("jurisdiction", "US-CA").encode()).post("/api/v1/consents").then().statusCode(409);
        rest(Tokens.partner()).body(consent(aliceProfile, false).put("jurisdiction", "US-CA").encode()).post("/api/v1/consents").then().statusCode(409);
        rest(alice).get("/api/v1/profiles/" + aliceProfile + "/consent/records").then().statusCode(200)
                .body("records.jurisdiction", not(hasItem("US-CA")));
        rest(Tokens.person("demo-privacy")).body(consent(aliceProfile, false).put("jurisdiction", "US-CA").encode()).post("/api/v1/consents")
                .then().statusCode(201).body("jurisdiction", equalTo("US-CA"));
        // extending a data-subject request's deadline is the officer's, not the customer's own request's
        String request = rest(alice).body(Map.of("kind", "ACCESS")).post("/api/v1/privacy-requests").then().statusCode(201).extract().path("id");
        rest(alice).body(Map.of("reason", "complex")).post("/api/v1/privacy-requests/" + request + "/extension").then().statusCode(403);
    }

    /** API4 Unrestricted resource consumption: sizes and pages have limits, and going over them is a 4xx, not work. */
    @Test
    void api4BodiesPagesAndNestingHaveLimits() throws Exception {
        String marketer = Tokens.person("demo-marketer");
        // a body over 4 MiB is refused as soon as its length is announced (a client that sends it anyway is cut off)
        var tooLarge = java.net.http.HttpRequest.newBuilder(java.net.URI.create(GATEWAY + "/api/v1/events")).expectContinue(true)
                .header("Authorization", "Bearer " + Tokens.partner()).header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[5 * 1024 * 1024])).build();
        assertEquals(413, java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build()
                .send(tooLarge, java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode());
        rest(marketer).queryParam("page_size", 100_000).get("/api/v1/operations").then().statusCode(400)
                .contentType("application/problem+json").body("violations[0].field", equalTo("page_size"));
        String deep = "[".repeat(5_000) + "]".repeat(5_000);
        rest(marketer).body("{\"name\": \"deep\", \"definition\": " + deep + "}").post("/api/v1/segments").then().statusCode(400)
                .contentType("application/problem+json");
        // the request rate per client: RateLimitTest (gateway module, a tight budget)
    }

    /** API5 Broken function level authorisation: each role reaches only its own operations. */
    @Test
    void api5RolesReachOnlyTheirOperations() {
        String customer = alice;
        String partner = Tokens.partner();
        String agent = Tokens.person("demo-agent");
        String marketer = Tokens.person("demo-marketer");
        List<String> refusals = new ArrayList<>();
        check(refusals, customer, "POST", "/api/v1/segments", "{}");
        check(refusals, customer, "GET", "/api/v1/audit/events", null);
        check(refusals, customer, "POST", "/api/v1/events", "{}");
        check(refusals, customer, "PUT", "/api/v1/rfm", "{}");
        check(refusals, customer, "POST", "/api/v1/articles", "{}");
        check(refusals, customer, "GET", "/api/v1/campaigns", null);
        check(refusals, partner, "POST", "/api/v1/campaigns", "{}");
        check(refusals, partner, "POST", "/api/v1/privacy-requests", "{\"kind\": \"ERASURE\"}");
        check(refusals, partner, "GET", "/api/v1/audit/records-of-processing", null);
        check(refusals, agent, "POST", "/api/v1/segments", "{}");
        check(refusals, agent, "GET", "/api/v1/campaigns", null);
        check(refusals, marketer, "GET", "/api/v1/audit/events", null);
        check(refusals, marketer, "POST", "/api/v1/privacy-requests", "{\"kind\": \"ERASURE\"}");
        check(refusals, marketer, "POST", "/api/v1/articles", "{}");
        assertEquals(List.of(), refusals, "answered other than 403");
    }

    /** API6 Sensitive business flows: one caller cannot open data-subject requests in bulk (20 an hour by default; 5 here). */
    @Test
    void api6DataSubjectRequestsInBulkAreStopped() {
        String userName = "owasp-carol-" + UUID.randomUUID().toString().substring(0, 8);
        Keycloak.createCustomer(userName);
        profileOf(userName);
        String carol = Tokens.person(userName);
        int opened = 0;
        Response answer = null;
        String firstKey = "carol-first-" + UUID.randomUUID();
        String first = null;
        for (int i = 0; i < 2 * Suite.PRIVACY_REQUESTS_PER_HOUR; i++) {
            answer = rest(carol).body(Map.of("kind", i % 2 == 0 ? "ACCESS" : "PORTABILITY", "requestId", i == 0 ? firstKey : "carol-" + i))
                    .post("/api/v1/privacy-requests");
            first = i == 0 ? answer.path("id") : first;
            if (answer.statusCode() >= 300) {
                break;
            }
            opened++;
        }
        assertEquals(Suite.PRIVACY_REQUESTS_PER_HOUR, opened, "opened before the limit");
        answer.then().statusCode(429).contentType("application/problem+json").header("Retry-After", org.hamcrest.Matchers.notNullValue());
        // over the budget, a retry of a request made is still answered with it, and bad input is still named
        rest(carol).body(Map.of("kind", "ACCESS", "requestId", firstKey)).post("/api/v1/privacy-requests").then()
                .statusCode(org.hamcrest.Matchers.lessThan(300)).body("id", equalTo(first));
        rest(carol).body(Map.of("kind", "NOPE")).post("/api/v1/privacy-requests").then().statusCode(400);
        // guessing signed links (unsubscribe, preferences, tracked links) per address: SensitiveFlowsTest (gateway module)
    }

    /** API7 Server-side request forgery: connected content never reaches the service's own network. */
    @Test
    void api7ConnectedContentToAnInternalAddressIsNeverActivated() {
        String marketer = Tokens.person("demo-marketer");
        for (String target : List.of("http://169.254.169.254/latest/meta-data/", "https://127.0.0.1:" + Suite.PROFILE + "/q/health",
                "https://localhost/admin", "https://[::1]/x")) {
            String campaign = "{\"name\": \"ssrf " + UUID.randomUUID() + "\", \"purpose\": \"marketing.communications\", \"channel\": \"email\", "
                    + "\"segmentId\": \"" + UUID.randomUUID() + "\", \"defaultLocale\": \"en\", "
                    + "\"connectedContent\": [{\"name\": \"recs\", \"url\": \"" + target + "\"}], "
                    + "\"variants\": [{\"locale\": \"en\", \"subjectLine\": \"Hi\", \"body\": \"{{ connected.recs.title }}\"}]}";
            String id = rest(marketer).body(campaign).post("/api/v1/campaigns").then().statusCode(200).extract().path("id");
            rest(marketer).body("{\"status\": \"ACTIVE\"}").post("/api/v1/campaigns/" + id + "/status").then().statusCode(409)
                    .body("detail", containsString("connected content it may fetch"));
        }
        // addresses a name resolves to, redirects, IPv6 forms of private IPv4: FetchPolicyTest and ConnectedContentTest (campaign-service)
    }

    /** API8 Security misconfiguration: protective headers, no CORS for other sites, no stack trace in any answer. */
    @Test
    void api8HeadersCorsAndErrorsGiveNothingAway() {
        String partner = Tokens.partner();
        rest(partner).get("/api/v1/segments").then().statusCode(200).header("X-Content-Type-Options", "nosniff")
                .header("X-Frame-Options", "DENY").header("Referrer-Policy", "no-referrer").header("Cache-Control", "no-store")
                .header("Content-Security-Policy", containsString("default-src 'none'"));
        RestAssured.given().baseUri(GATEWAY).get("/unsubscribe?t=x").then().header("Referrer-Policy", "no-referrer")
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"));
        // another site's script: no CORS answer lets a browser hand it the response
        RestAssured.given().baseUri(GATEWAY).header("Origin", "https://evil.example").header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "authorization").options("/api/v1/segments").then()
                .header("Access-Control-Allow-Origin", nullValue());
        rest(partner).header("Origin", "https://evil.example").get("/api/v1/segments").then().header("Access-Control-Allow-Origin", nullValue());
        // broken input and unknown routes: problem+json or a bare status, never a trace or a class name
        for (Response answer : List.of(rest(partner).body("{\"identifier\": ").post("/api/v1/events"),
                rest(partner).body("{\"identifier\": {\"type\": \"NOPE\"}}").post("/api/v1/events"),
                rest(partner).get("/api/v1/profiles/not-a-uuid"), rest(partner).get("/api/v1/no-such-thing"),
                RestAssured.given().baseUri(GATEWAY).get("/q/dev-ui"))) {
            assertTrue(answer.statusCode() >= 400 && answer.statusCode() < 500, answer.statusCode() + " " + answer.asString());
            String body = answer.asString();
            assertFalse(body.matches("(?s).*(Exception|\\tat |\\.java:|dev\\.rapport\\.|io\\.quarkus|io\\.vertx).*"), "gives away internals: " + body);
        }
    }

    /** API9 Improper inventory management: every route the gateway documents is there, and what it does not document is not. */
    @Test
    void api9TheApiDescriptionIsTheInventory() {
        JsonObject openapi = new JsonObject(RestAssured.given().baseUri(GATEWAY).get("/q/openapi?format=json").then().statusCode(200).extract().asString());
        JsonObject paths = openapi.getJsonObject("paths");
        assertTrue(paths.size() > 30, "documented paths: " + paths.fieldNames());
        List<String> missing = new ArrayList<>();
        for (String path : paths.fieldNames()) {
            String concrete = path.replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
            for (String method : paths.getJsonObject(path).fieldNames()) {
                if (!List.of("get", "post", "put", "delete", "patch").contains(method)) {
                    continue;
                }
                int status = RestAssured.given().baseUri(GATEWAY).contentType("application/json").body(method.equals("get") ? "" : "{}")
                        .request(method.toUpperCase(), concrete).statusCode();
                if (status == 405 || status == 404 && !path.contains("{")) {
                    missing.add(method + " " + path + " → " + status);
                }
            }
        }
        assertEquals(List.of(), missing, "documented but not served");
        for (String undocumented : List.of("/api/v2/profiles", "/api/v1/admin", "/api/v1/internal/profiles", "/api/v1/debug",
                "/q/dev", "/q/dev-ui", "/q/arc", "/api/v1/profiles/" + UUID.randomUUID() + "/raw")) {
            assertFalse(paths.containsKey(undocumented));
            RestAssured.given().baseUri(GATEWAY).auth().oauth2(Tokens.person("demo-admin")).get(undocumented).then().statusCode(404);
        }
        // the internal services are not the way in: their ports are for the suite (Helm gives them no route), checked by ChartTest
    }

    private static void check(List<String> refusals, String token, String method, String path, String body) {
        RequestSpecification request = rest(token);
        if (body != null) {
            request.body(body);
        }
        int status = request.request(method, path).statusCode();
        if (status != 403) {
            refusals.add(method + " " + path + " → " + status);
        }
    }

    private static JsonObject consent(String subject, boolean granted) {
        return new JsonObject().put("subject", subject).put("purpose", "marketing.communications").put("channel", "email")
                .put("granted", granted).put("method", "form").put("noticeVersion", "privacy-2026-11");
    }

    private static String profileOf(String userName) {
        return rest(Tokens.partner()).body("{\"identifier\": {\"type\": \"EXTERNAL_ID\", \"value\": \"" + userName + "\"}, "
                + "\"event\": {\"name\": \"signed_up\"}}").post("/api/v1/events").then().statusCode(201).extract().path("profileId");
    }
}
