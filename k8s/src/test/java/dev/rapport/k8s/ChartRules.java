package dev.rapport.k8s;

import static dev.rapport.k8s.KubernetesSchemas.describe;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The rules every rendering of the chart must keep (k8s/README.md, "What the build checks"). {@link #check} returns
 * every broken rule, so one run names all of them.
 */
final class ChartRules {

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    /** Operators create these Secrets: CloudNativePG "<cluster>-app" for each Cluster. */
    private static final String CNPG_APP_SECRET = "-app";

    private final Chart.Manifests manifests;
    private final Set<String> existingSecrets;
    private final List<Map<String, Object>> metricsPeers;
    private final List<String> broken = new ArrayList<>();

    private ChartRules(Chart.Manifests manifests, Set<String> existingSecrets, List<Map<String, Object>> metricsPeers) {
        this.manifests = manifests;
        this.existingSecrets = existingSecrets;
        this.metricsPeers = metricsPeers;
    }

    /**
     * The broken rules (empty when the rendering is sound). existingSecrets are the Secrets the values name;
     * metricsPeers the values' global.networkPolicy.metricsFrom (admitted to every service, for /q/metrics).
     */
    static List<String> check(Chart.Manifests manifests, Set<String> existingSecrets,
            List<Map<String, Object>> metricsPeers) {
        var rules = new ChartRules(manifests, existingSecrets, metricsPeers);
        rules.checkAll();
        return rules.broken;
    }

    private void checkAll() {
        for (var manifest : manifests.documents()) {
            String name = Yamls.string(manifest, "metadata.name");
            if (name == null || name.length() > 63 || !DNS_LABEL.matcher(name).matches()) {
                broken.add(describe(manifest) + ": the name is not a DNS label of at most 63 characters");
            }
        }
        var deployments = manifests.ofKind("Deployment");
        if (deployments.isEmpty()) {
            broken.add("no Deployment rendered");
        }
        for (var deployment : deployments) {
            checkPod(deployment);
            checkCompanions(deployment);
        }
        checkNetworkPolicies(deployments);
        checkExposure();
    }

    private void checkPod(Map<String, Object> deployment) {
        String what = describe(deployment);
        var pod = Yamls.map(deployment, "spec.template.spec");
        if (!Boolean.TRUE.equals(Yamls.get(pod, "securityContext.runAsNonRoot"))) {
            broken.add(what + ": the pod does not require a non-root user");
        }
        if (Integer.valueOf(0).equals(Yamls.get(pod, "securityContext.runAsUser"))) {
            broken.add(what + ": the pod runs as root");
        }
        if (!"RuntimeDefault".equals(Yamls.string(pod, "securityContext.seccompProfile.type"))) {
            broken.add(what + ": no RuntimeDefault seccomp profile");
        }
        for (String host : List.of("hostNetwork", "hostPID", "hostIPC")) {
            if (Boolean.TRUE.equals(pod.get(host))) {
                broken.add(what + ": " + host);
            }
        }
        if (!Boolean.FALSE.equals(pod.get("automountServiceAccountToken"))) {
            broken.add(what + ": mounts a service account token it does not need");
        }
        String account = (String) pod.get("serviceAccountName");
        if (account == null || manifests.ofKind("ServiceAccount").stream()
                .noneMatch(a -> account.equals(Yamls.string(a, "metadata.name")))) {
            broken.add(what + ": its service account " + account + " is not rendered");
        }
        for (var volume : Yamls.list(pod, "volumes")) {
            if (volume.containsKey("hostPath")) {
                broken.add(what + ": mounts a host path");
            }
            if (volume.containsKey("emptyDir") && Yamls.get(volume, "emptyDir.sizeLimit") == null) {
                broken.add(what + ": an emptyDir without a size limit can fill the node's disk");
            }
            String configMap = Yamls.string(volume, "configMap.name");
            if (configMap != null && manifests.ofKind("ConfigMap").stream()
                    .noneMatch(c -> configMap.equals(Yamls.string(c, "metadata.name")))) {
                broken.add(what + ": mounts the ConfigMap " + configMap + ", which is not rendered");
            }
        }
        for (var container : Yamls.list(pod, "containers")) {
            checkContainer(what, container);
        }
    }

    private void checkContainer(String what, Map<String, Object> container) {
        String image = (String) container.get("image");
        if (image == null || !image.matches(".+:[A-Za-z0-9_][A-Za-z0-9_.-]*") || image.endsWith(":latest")) {
            broken.add(what + ": the image " + image + " has no fixed tag");
        }
        var ports = new HashSet<Object>();
        for (var port : Yamls.list(container, "ports")) {
            ports.add(port.get("name"));
            ports.add(port.get("containerPort"));
        }
        Map<String, String> probes = Map.of(
                "startupProbe", "/q/health/started",
                "livenessProbe", "/q/health/live",
                "readinessProbe", "/q/health/ready");
        probes.forEach((probe, path) -> {
            if (!path.equals(Yamls.string(container, probe + ".httpGet.path"))) {
                broken.add(what + ": no " + probe + " on " + path);
            } else if (!ports.contains(Yamls.get(container, probe + ".httpGet.port"))) {
                broken.add(what + ": the " + probe + " probes a port the container does not declare");
            }
        });
        if (Yamls.get(container, "lifecycle.preStop") == null) {
            broken.add(what + ": no preStop pause (requests still routed to a stopping pod fail)");
        }
        for (String resource : List.of("requests.cpu", "requests.memory", "limits.memory")) {
            if (Yamls.get(container, "resources." + resource) == null) {
                broken.add(what + ": no resources." + resource);
            }
        }
        var security = Yamls.map(container, "securityContext");
        if (!Boolean.FALSE.equals(security.get("allowPrivilegeEscalation"))) {
            broken.add(what + ": privilege escalation is not forbidden");
        }
        if (!Boolean.TRUE.equals(security.get("readOnlyRootFilesystem"))) {
            broken.add(what + ": the root filesystem is writable");
        }
        if (Boolean.TRUE.equals(security.get("privileged"))) {
            broken.add(what + ": privileged");
        }
        Object dropped = Yamls.get(security, "capabilities.drop");
        if (!(dropped instanceof List<?> list && list.contains("ALL"))) {
            broken.add(what + ": capabilities are not all dropped");
        }
        if (Yamls.get(security, "capabilities.add") != null) {
            broken.add(what + ": adds capabilities");
        }
        for (var env : Yamls.list(container, "env")) {
            String secret = Yamls.string(env, "valueFrom.secretKeyRef.name");
            if (secret != null && !secretExists(secret)) {
                broken.add(what + ": reads the Secret " + secret + ", which neither the chart, an operator nor the"
                        + " values provide");
            }
            Object value = env.get("value");
            String envName = String.valueOf(env.get("name"));
            if (value != null && envName.matches(".*(PASSWORD|KEY|SECRET|TOKEN).*")) {
                broken.add(what + ": the secret " + envName + " is a plain value, not a Secret reference");
            }
        }
    }

    private boolean secretExists(String name) {
        if (existingSecrets.contains(name)) {
            return true;
        }
        if (manifests.ofKind("Secret").stream().anyMatch(s -> name.equals(Yamls.string(s, "metadata.name")))) {
            return true;
        }
        return name.endsWith(CNPG_APP_SECRET) && manifests.ofKind("Cluster").stream()
                .anyMatch(c -> name.equals(Yamls.string(c, "metadata.name") + CNPG_APP_SECRET));
    }

    private void checkCompanions(Map<String, Object> deployment) {
        String what = describe(deployment);
        String name = Yamls.string(deployment, "metadata.name");
        var podLabels = Yamls.map(deployment, "spec.template.metadata.labels");
        if (!selects(Yamls.map(deployment, "spec.selector.matchLabels"), podLabels)) {
            broken.add(what + ": its selector does not select its own pods");
        }
        if (manifests.ofKind("Service").stream().noneMatch(s -> selects(Yamls.map(s, "spec.selector"), podLabels))) {
            broken.add(what + ": no Service selects it");
        }
        if (manifests.ofKind("PodDisruptionBudget").stream()
                .noneMatch(p -> selects(Yamls.map(p, "spec.selector.matchLabels"), podLabels))) {
            broken.add(what + ": no PodDisruptionBudget");
        }
        boolean scaled = manifests.ofKind("HorizontalPodAutoscaler").stream()
                .anyMatch(h -> name.equals(Yamls.string(h, "spec.scaleTargetRef.name"))
                        && "Deployment".equals(Yamls.string(h, "spec.scaleTargetRef.kind")))
                || manifests.ofKind("ScaledObject").stream()
                        .anyMatch(s -> name.equals(Yamls.string(s, "spec.scaleTargetRef.name")));
        if (!scaled) {
            broken.add(what + ": no HorizontalPodAutoscaler or ScaledObject");
        }
        if (manifests.ofKind("NetworkPolicy").stream()
                .noneMatch(n -> selects(Yamls.map(n, "spec.podSelector.matchLabels"), podLabels))) {
            broken.add(what + ": no NetworkPolicy");
        }
    }

    /**
     * Only the expected services talk to each other: the callers a NetworkPolicy admits are exactly the services
     * whose configuration calls the one it protects (the gRPC client hosts in their ConfigMaps), and only the
     * exposed gateway admits peers from outside the release.
     */
    private void checkNetworkPolicies(List<Map<String, Object>> deployments) {
        var callers = new HashMap<String, Set<String>>();
        for (var configMap : manifests.ofKind("ConfigMap")) {
            Properties properties = properties(configMap);
            for (String key : properties.stringPropertyNames()) {
                if (key.matches("quarkus\\.grpc\\.clients\\.[^.]+\\.host")) {
                    callers.computeIfAbsent(properties.getProperty(key), k -> new TreeSet<>())
                            .add(Yamls.string(configMap, "metadata.name"));
                }
            }
        }
        for (var deployment : deployments) {
            String name = Yamls.string(deployment, "metadata.name");
            var podLabels = Yamls.map(deployment, "spec.template.metadata.labels");
            var policy = manifests.ofKind("NetworkPolicy").stream()
                    .filter(n -> selects(Yamls.map(n, "spec.podSelector.matchLabels"), podLabels))
                    .findFirst();
            if (policy.isEmpty()) {
                continue;
            }
            var admitted = new TreeSet<String>();
            boolean fromOutside = false;
            for (var rule : Yamls.list(policy.get(), "spec.ingress")) {
                var from = Yamls.list(rule, "from");
                if (from.isEmpty()) {
                    broken.add(describe(policy.get()) + ": a rule admits everyone");
                }
                for (var peer : from) {
                    if (peer.containsKey("podSelector") && !peer.containsKey("namespaceSelector")) {
                        admitted.add(serviceOfPods(Yamls.map(peer, "podSelector.matchLabels")));
                    } else if (!metricsPeers.contains(peer)) {
                        fromOutside = true;
                    }
                }
            }
            var expected = callers.getOrDefault(serviceName(podLabels), Set.of());
            if (!admitted.equals(expected)) {
                broken.add(describe(policy.get()) + ": admits " + admitted + " but " + name + " is called by "
                        + expected);
            }
            boolean exposed = name.endsWith("-gateway");
            if (fromOutside != exposed) {
                broken.add(describe(policy.get()) + (exposed ? ": the gateway is not reachable from outside"
                        : ": admits peers from outside the release"));
            }
        }
    }

    /** The Service (and ConfigMap) name of the Deployment whose pods these labels select. */
    private String serviceOfPods(Map<String, Object> labels) {
        return manifests.ofKind("Deployment").stream()
                .filter(d -> selects(labels, Yamls.map(d, "spec.template.metadata.labels")))
                .map(d -> Yamls.string(d, "metadata.name"))
                .findFirst()
                .orElse("(pods of no Deployment: " + labels + ")");
    }

    private String serviceName(Map<String, Object> podLabels) {
        return manifests.ofKind("Service").stream()
                .filter(s -> selects(Yamls.map(s, "spec.selector"), podLabels))
                .map(s -> Yamls.string(s, "metadata.name"))
                .findFirst()
                .orElse("");
    }

    private void checkExposure() {
        for (var ingress : manifests.ofKind("Ingress")) {
            if (Yamls.list(ingress, "spec.tls").isEmpty()) {
                broken.add(describe(ingress) + ": no TLS");
            }
            for (var rule : Yamls.list(ingress, "spec.rules")) {
                for (var path : Yamls.list(rule, "http.paths")) {
                    checkBackend(ingress, Yamls.string(path, "backend.service.name"),
                            Yamls.get(path, "backend.service.port.name"));
                }
            }
        }
        for (String kind : List.of("HTTPRoute", "GRPCRoute")) {
            for (var route : manifests.ofKind(kind)) {
                for (var rule : Yamls.list(route, "spec.rules")) {
                    for (var backend : Yamls.list(rule, "backendRefs")) {
                        checkBackend(route, (String) backend.get("name"), backend.get("port"));
                    }
                }
            }
        }
    }

    private void checkBackend(Map<String, Object> route, String service, Object port) {
        var target = manifests.ofKind("Service").stream()
                .filter(s -> service != null && service.equals(Yamls.string(s, "metadata.name")))
                .findFirst();
        if (target.isEmpty()) {
            broken.add(describe(route) + ": routes to the Service " + service + ", which is not rendered");
            return;
        }
        boolean portExists = Yamls.list(target.get(), "spec.ports").stream()
                .anyMatch(p -> port != null && (port.equals(p.get("name")) || port.equals(p.get("port"))));
        if (!portExists) {
            broken.add(describe(route) + ": routes to port " + port + ", which " + service + " does not have");
        }
        if (!service.endsWith("-gateway")) {
            broken.add(describe(route) + ": exposes " + service + "; only the gateway is reachable from outside");
        }
    }

    static Properties properties(Map<String, Object> configMap) {
        var properties = new Properties();
        Object text = Yamls.map(configMap, "data").get("application.properties");
        if (text != null) {
            try {
                properties.load(new StringReader(text.toString()));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return properties;
    }

    private static boolean selects(Map<String, Object> selector, Map<String, Object> labels) {
        return !selector.isEmpty() && labels.entrySet().containsAll(selector.entrySet());
    }
}
