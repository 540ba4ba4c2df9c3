package dev.rapport.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The Helm chart, without a cluster: real Helm lints it strictly and renders it with the default values and with
 * every values file in k8s/rapport/ci (all dependencies bundled; all external; high availability); every manifest
 * must match the Kubernetes API schema and the chart's rules (ChartRules).
 */
class ChartTest {

    private static final Path ROOT = Chart.DIR.getParent().getParent();
    private static final List<String> SERVICES = List.of("gateway", "profile-service", "segment-service", "campaign-service",
            "chatbot-service");

    @Test
    void lintsStrictly() {
        var result = new Helm(Chart.DIR).lint().strict().call();
        assertFalse(result.isFailed(), () -> "helm lint --strict: " + String.join("\n", result.getMessages()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"default", "bundled-values.yaml", "external-values.yaml", "ha-values.yaml"})
    void rendersManifestsKubernetesAccepts(String valuesFile) {
        var files = valuesFile.equals("default") ? List.<Path>of() : List.of(Chart.valuesFile(valuesFile));
        var manifests = Chart.render(files, Map.of());
        Chart.keep(valuesFile, manifests);
        var errors = new ArrayList<String>();
        for (var manifest : manifests.documents()) {
            try {
                KubernetesSchemas.validate(manifest);
            } catch (AssertionError e) {
                errors.add(e.getMessage());
            }
        }
        var values = values(files);
        errors.addAll(ChartRules.check(manifests, existingSecrets(values), metricsPeers(values)));
        assertEquals(List.of(), errors, "broken in the rendering with " + valuesFile);
        assertEquals(5, manifests.ofKind("Deployment").size(), "one Deployment per service");
    }

    @Test
    void everyServiceIsBuiltForItsDependencies() {
        var bundled = Chart.render(Chart.valuesFile("bundled-values.yaml"));
        assertEquals(6, bundled.ofKind("Cluster").size(), "a CloudNativePG cluster per service and for Keycloak");
        assertEquals(1, bundled.ofKind("Kafka").size());
        assertEquals(topicsTheServicesUse(), topicNames(bundled), "a KafkaTopic for every topic the services use");
        assertEquals("compact", cleanup(bundled), "privacy.consent keeps the latest state per person");
        assertEquals(2, bundled.ofKind("ScaledObject").size(), "Kafka-lag scaling where switched on");
        assertEquals(5, bundled.ofKind("ServiceMonitor").size());
        var realm = Yamls.map(bundled.named("KeycloakRealmImport", "rapport-keycloak-realm"), "spec.realm");
        assertEquals(List.of("service-account-rapport-privacy"), Yamls.list(realm, "users").stream().map(u -> u.get("username")).toList(),
                "no demo users in a real installation, only the account erasures use");
        assertEquals(List.of("${RAPPORT_PRIVACY_CLIENT_SECRET}"), Yamls.list(realm, "clients").stream().filter(c -> c.containsKey("secret"))
                .map(c -> c.get("secret")).toList(), "no client secret from the repository: the privacy client's comes from the keys Secret");
        assertEquals("rapport-keys", Yamls.string(bundled.named("KeycloakRealmImport", "rapport-keycloak-realm"),
                "spec.placeholders.RAPPORT_PRIVACY_CLIENT_SECRET.secret.name"));
        var gateway = ChartRules.properties(bundled.named("ConfigMap", "rapport-gateway"));
        assertEquals("https://auth.rapport.example.com/realms/rapport", gateway.getProperty("quarkus.oidc.token.issuer"));
        assertEquals("http://rapport-keycloak-service:8080/realms/rapport",
                gateway.getProperty("quarkus.oidc.auth-server-url"));
        assertEquals("false", gateway.getProperty("quarkus.otel.sdk.disabled"));

        var external = Chart.render(Chart.valuesFile("external-values.yaml"));
        for (String kind : List.of("Cluster", "Kafka", "KafkaTopic", "Keycloak", "KeycloakRealmImport", "Secret")) {
            assertEquals(List.of(), external.ofKind(kind), kind + " rendered although the values say external");
        }
        var segments = ChartRules.properties(external.named("ConfigMap", "rapport-segment-service"));
        assertEquals("postgres-segments.data.svc", segments.getProperty("rapport.db.host"));
        assertEquals("engage.", segments.getProperty("rapport.topic-prefix"));
        var chatbot = ChartRules.properties(external.named("ConfigMap", "rapport-chatbot-service"));
        assertEquals("8388608", chatbot.getProperty("quarkus.grpc.server.max-inbound-message-size"), "whole numbers stay whole");
        assertEquals("registry.example.org/rapport/segment-service:0.1.0", Yamls.string(
                Yamls.list(external.named("Deployment", "rapport-segment-service"), "spec.template.spec.containers")
                        .get(0), "image"));
    }

    private static String cleanup(Chart.Manifests manifests) {
        return String.valueOf(Yamls.map(manifests.named("KafkaTopic", "rapport-privacy-consent"), "spec.config")
                .get("cleanup.policy"));
    }

    @Test
    void theOnlyWritablePlaceIsASmallTmpOfThePodsOwn() {
        for (var deployment : Chart.render().ofKind("Deployment")) {
            String name = Yamls.string(deployment, "metadata.name");
            var volumes = Yamls.list(deployment, "spec.template.spec.volumes");
            var writable = volumes.stream().filter(v -> v.containsKey("emptyDir")).toList();
            assertEquals(1, writable.size(), name + ": one emptyDir");
            assertTrue(Yamls.get(writable.get(0), "emptyDir.sizeLimit") != null, name + ": with a size limit");
            var container = Yamls.list(deployment, "spec.template.spec.containers").get(0);
            for (var mount : Yamls.list(container, "volumeMounts")) {
                if (writable.get(0).get("name").equals(mount.get("name"))) {
                    assertEquals("/tmp", mount.get("mountPath"), name + ": the emptyDir is /tmp");
                } else {
                    assertEquals(Boolean.TRUE, mount.get("readOnly"), name + ": " + mount + " is read-only");
                }
            }
        }
    }

    /** Every gRPC client a service's own configuration declares is pointed at the release's service. */
    @Test
    void everyGrpcClientOfEveryServiceIsWired() throws IOException {
        var manifests = Chart.render();
        var client = Pattern.compile("(?m)^(quarkus\\.grpc\\.clients\\.[^.]+\\.host)=");
        for (String service : SERVICES) {
            var declared = new TreeSet<String>();
            var matcher = client.matcher(Files.readString(ROOT.resolve(service).resolve("src/main/resources/application.properties")));
            while (matcher.find()) {
                declared.add(matcher.group(1));
            }
            var rendered = ChartRules.properties(manifests.named("ConfigMap", "rapport-" + service));
            for (String key : declared) {
                assertTrue(rendered.getProperty(key, "").startsWith("rapport-"), service + ": " + key + " is not wired by the chart");
            }
        }
    }

    @Test
    void aLongReleaseNameIsRefusedAndTheLongestAllowedRendersValidNames() {
        var longest = Chart.render("r".repeat(30), List.of(Chart.valuesFile("bundled-values.yaml")), Map.of());
        assertEquals(List.of(), ChartRules.check(longest, Set.of(), metricsPeers(values(List.of(Chart.valuesFile("bundled-values.yaml"))))));
        var refused = assertThrows(IllegalStateException.class, () -> Chart.render("r".repeat(31), List.of(), Map.of()));
        assertTrue(refused.getMessage().contains("at most 30 characters"), refused.getMessage());
    }

    @Test
    void thePublicGrpcServicesAreRouted() throws IOException {
        var declared = new TreeSet<String>();
        var service = Pattern.compile("(?m)^service (\\w+) \\{");
        try (Stream<Path> protos = Files.list(ROOT.resolve("proto/src/main/proto/rapport/api/v1"))) {
            for (Path proto : protos.toList()) {
                var matcher = service.matcher(Files.readString(proto));
                while (matcher.find()) {
                    declared.add("/rapport.api.v1." + matcher.group(1));
                }
            }
        }
        var routed = new TreeSet<String>();
        var manifests = Chart.render();
        for (var rule : Yamls.list(manifests.named("Ingress", "rapport-gateway-grpc"), "spec.rules")) {
            for (var path : Yamls.list(rule, "http.paths")) {
                routed.add((String) path.get("path"));
            }
        }
        routed.removeIf(path -> path.startsWith("/grpc."));
        assertEquals(declared, routed, "every public gRPC service (proto/rapport/api/v1) reaches the gateway");
    }

    @Test
    void nonsenseValuesAreRefusedBeforeAnythingRenders() {
        var nonsense = Map.<String, Object>of(
                "gateway.replicaCount", "-1",
                "gateway.expose.kind", "loadbalancer",
                "global.kafka.bundled", "false",
                "profile-service.replicas", "3",
                "global.image.pullPolicy", "Sometimes",
                "kafka.partitions", "0",
                "global.publicUrl", "rapport.example.com/path");
        for (var entry : nonsense.entrySet()) {
            var failure = assertThrows(IllegalStateException.class,
                    () -> Chart.render(List.of(), Map.of(entry.getKey(), entry.getValue())),
                    entry + " was accepted");
            assertTrue(failure.getMessage().contains("values don't meet the specifications of the schema"),
                    entry + ": " + failure.getMessage());
        }
        var impossible = Map.<Map<String, Object>, String>of(
                Map.of("kafka.replicationFactor", "3"), "kafka.replicationFactor cannot exceed kafka.replicas",
                Map.of("gateway.expose.kind", "gatewayApi", "gateway.expose.gatewayApi.parentRefs[0].name", "public"),
                "set global.networkPolicy.publicFrom",
                Map.of("chatbot-service.autoscaling.kafkaLag.enabled", "true"), "name the topics whose lag scales it");
        impossible.forEach((values, message) -> {
            var refused = assertThrows(IllegalStateException.class, () -> Chart.render(List.of(), values), values + " was accepted");
            assertTrue(refused.getMessage().contains(message), refused.getMessage());
        });
    }

    /** The rules are not vacuous: a rendering with a hole in it is caught. */
    @Test
    void theChecksCatchAnUnsafeManifest() {
        var manifests = Chart.render();
        var deployment = manifests.named("Deployment", "rapport-profile-service");
        var container = Yamls.list(deployment, "spec.template.spec.containers").get(0);
        Yamls.map(container, "securityContext").put("readOnlyRootFilesystem", false);
        container.remove("readinessProbe");
        container.put("imagePullPolice", "Always");
        manifests.documents().removeIf(d -> "NetworkPolicy".equals(d.get("kind"))
                && "rapport-chatbot-service".equals(Yamls.string(d, "metadata.name")));

        var broken = ChartRules.check(manifests, Set.of(), List.of());
        assertTrue(broken.contains("Deployment rapport-profile-service: the root filesystem is writable"), broken::toString);
        assertTrue(broken.contains("Deployment rapport-profile-service: no readinessProbe on /q/health/ready"), broken::toString);
        assertTrue(broken.contains("Deployment rapport-chatbot-service: no NetworkPolicy"), broken::toString);
        var schema = assertThrows(AssertionError.class, () -> KubernetesSchemas.validate(deployment));
        assertTrue(schema.getMessage().contains("imagePullPolice"), schema.getMessage());
    }

    private static Set<String> topicsTheServicesUse() {
        var topics = new TreeSet<String>();
        var topic = Pattern.compile("(?m)\\.topic=\\$\\{rapport\\.topic-prefix}([a-z.]+)$");
        for (String service : SERVICES) {
            try {
                var matcher = topic.matcher(Files.readString(
                        ROOT.resolve(service).resolve("src/main/resources/application.properties")));
                while (matcher.find()) {
                    topics.add(matcher.group(1));
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return topics;
    }

    private static Set<String> topicNames(Chart.Manifests manifests) {
        var names = new TreeSet<String>();
        manifests.ofKind("KafkaTopic").forEach(t -> names.add(Yamls.string(t, "spec.topicName")));
        return names;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> values(List<Path> files) {
        if (files.isEmpty()) {
            return Map.of();
        }
        try {
            return (Map<String, Object>) new Yaml().load(Files.readString(files.get(0)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> existingSecrets(Map<String, Object> values) {
        var secrets = new TreeSet<String>();
        for (String path : List.of("global.postgresql.existingSecret", "global.secrets.existingSecret",
                "keycloak.database.existingSecret")) {
            String secret = Yamls.string(values, path);
            if (secret != null) {
                secrets.add(secret);
            }
        }
        for (var section : values.values()) {
            String secret = Yamls.string(section, "database.existingSecret");
            if (secret != null) {
                secrets.add(secret);
            }
        }
        return secrets;
    }

    private static List<Map<String, Object>> metricsPeers(Map<String, Object> values) {
        return Yamls.list(values, "global.networkPolicy.metricsFrom");
    }
}
