package dev.rapport.gateway;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import dev.rapport.testing.PostgresKafkaAndKeycloak;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;

/**
 * OWASP API9 (improper inventory): the published API description is the inventory. Every REST route the gateway
 * serves, found in its compiled resources, is in /q/openapi, and the description names nothing it does not serve.
 */
@QuarkusTest
@WithTestResource(PostgresKafkaAndKeycloak.class)
class ApiInventoryTest {
    private static final Set<Class<? extends java.lang.annotation.Annotation>> VERBS = Set.of(jakarta.ws.rs.GET.class,
            jakarta.ws.rs.POST.class, jakarta.ws.rs.PUT.class, jakarta.ws.rs.DELETE.class, jakarta.ws.rs.PATCH.class);

    @Test
    void everyRouteServedIsDocumentedAndNothingElseIs() throws Exception {
        Set<String> served = served();
        assertTrue(served.size() > 40, "routes found: " + served);
        JsonObject paths = new JsonObject(given().get("/q/openapi?format=json").then().statusCode(200).extract().asString()).getJsonObject("paths");
        Set<String> documented = new TreeSet<>();
        for (String path : paths.fieldNames()) {
            for (String verb : paths.getJsonObject(path).fieldNames()) {
                if (Set.of("get", "post", "put", "delete", "patch").contains(verb)) {
                    documented.add(verb.toUpperCase() + " " + path);
                }
            }
        }
        assertEquals(served, documented);
    }

    /** "VERB /path/{param}" for each resource method of the gateway's compiled classes. */
    private static Set<String> served() throws IOException, ClassNotFoundException {
        Set<String> routes = new TreeSet<>();
        Path classes = Path.of("target/classes");
        try (var files = Files.walk(classes.resolve("dev/rapport/gateway"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class") && !f.getFileName().toString().contains("$")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, ApiInventoryTest.class.getClassLoader());
                jakarta.ws.rs.Path root = type.getAnnotation(jakarta.ws.rs.Path.class);
                if (root == null) {
                    continue;
                }
                for (Method method : type.getDeclaredMethods()) {
                    for (var verb : VERBS) {
                        if (method.isAnnotationPresent(verb)) {
                            jakarta.ws.rs.Path sub = method.getAnnotation(jakarta.ws.rs.Path.class);
                            String path = "/" + root.value() + (sub == null ? "" : "/" + sub.value());
                            path = path.replaceAll("/+", "/").replaceAll("(.)/$", "$1").replaceAll("\\{(\\w+):[^}]*}", "{$1}");
                            routes.add(verb.getSimpleName() + " " + path);
                        }
                    }
                }
            }
        }
        return routes;
    }
}
