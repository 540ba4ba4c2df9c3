package dev.rapport.k8s;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;

/**
 * Checks a manifest against the Kubernetes API schema, through the official Java client's models (generated from
 * the API's OpenAPI document, Kubernetes 1.33): a field the API does not define, a missing required field or a value
 * of the wrong type is an error. Custom resources (Strimzi, CloudNativePG, Keycloak, KEDA, Prometheus Operator,
 * Gateway API) have no model here: {@link #isBuiltIn} tells them apart, and ChartTest checks those by its rules.
 */
final class KubernetesSchemas {

    private static final String MODELS = "io.kubernetes.client.openapi.models.";
    private static final Gson GSON = new Gson();

    private KubernetesSchemas() {
    }

    /** The model of a built-in kind: apps/v1 Deployment is V1Deployment, autoscaling/v2 ... is V2..., and so on. */
    static Optional<Class<?>> model(Map<String, Object> manifest) {
        String apiVersion = (String) manifest.get("apiVersion");
        String kind = (String) manifest.get("kind");
        if (apiVersion == null || kind == null) {
            throw new AssertionError("a manifest without apiVersion or kind: " + manifest);
        }
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        if (!isBuiltIn(group)) {
            return Optional.empty();
        }
        String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
        String className = MODELS + Character.toUpperCase(version.charAt(0)) + version.substring(1) + kind;
        try {
            return Optional.of(Class.forName(className));
        } catch (ClassNotFoundException e) {
            throw new AssertionError(apiVersion + " " + kind + " is not a kind Kubernetes 1.33 serves");
        }
    }

    static boolean isBuiltIn(String group) {
        return group.isEmpty() || !group.contains(".") || group.endsWith(".k8s.io") && !group.startsWith("gateway.");
    }

    /** Throws an AssertionError naming the manifest and what the API schema rejects. */
    static void validate(Map<String, Object> manifest) {
        model(manifest).ifPresent(model -> {
            JsonElement json = GSON.toJsonTree(manifest);
            try {
                Method validate = model.getMethod("validateJsonElement", JsonElement.class);
                validate.invoke(null, json);
            } catch (InvocationTargetException e) {
                throw new AssertionError(describe(manifest) + " does not match the Kubernetes API schema: "
                        + e.getCause().getMessage(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static String describe(Map<String, Object> manifest) {
        return manifest.get("kind") + " " + Yamls.string(manifest, "metadata.name");
    }
}
