package dev.rapport.k8s;

import com.marcnuri.helm.Helm;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/** The rapport chart as real Helm renders it (the Helm library through Java: no helm binary, no cluster). */
final class Chart {

    static final Path DIR = locate();
    static final String RELEASE = "rapport";
    static final String NAMESPACE = "rapport";

    private Chart() {
    }

    /** Renders the chart with the given values files (none: the defaults) and --set pairs ("a.b=c"). */
    static Manifests render(List<Path> valuesFiles, Map<String, Object> set) {
        return render(RELEASE, valuesFiles, set);
    }

    static Manifests render(String release, List<Path> valuesFiles, Map<String, Object> set) {
        var template = new Helm(DIR).template().withName(release).withNamespace(NAMESPACE);
        valuesFiles.forEach(template::withValuesFile);
        set.forEach(template::set);
        return Manifests.parse(template.call());
    }

    static Manifests render(Path... valuesFiles) {
        return render(List.of(valuesFiles), Map.of());
    }

    /** Writes what Helm rendered to target/rendered/<name>.yaml, for whoever reads a failure. */
    static void keep(String name, Manifests manifests) {
        try {
            Path dir = Files.createDirectories(Path.of("target", "rendered"));
            Files.writeString(dir.resolve(name.replace("-values.yaml", "") + ".yaml"),
                    new Yaml().dumpAll(manifests.documents().iterator()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path valuesFile(String name) {
        return DIR.resolve("ci").resolve(name);
    }

    /** Every document Helm rendered, parsed. */
    record Manifests(List<Map<String, Object>> documents) {

        @SuppressWarnings("unchecked")
        static Manifests parse(String yaml) {
            var options = new LoaderOptions();
            options.setCodePointLimit(20 * 1024 * 1024);
            var documents = new ArrayList<Map<String, Object>>();
            for (Object document : new Yaml(options).loadAll(yaml)) {
                if (document != null) {
                    documents.add((Map<String, Object>) document);
                }
            }
            return new Manifests(documents);
        }

        List<Map<String, Object>> ofKind(String kind) {
            return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
        }

        Map<String, Object> named(String kind, String name) {
            return ofKind(kind).stream()
                    .filter(d -> name.equals(Yamls.string(d, "metadata.name")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no " + kind + " named " + name));
        }
    }

    private static Path locate() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("k8s/rapport/Chart.yaml"))) {
                return dir.resolve("k8s/rapport");
            }
            if (Files.isRegularFile(dir.resolve("rapport/Chart.yaml"))) {
                return dir.resolve("rapport");
            }
        }
        throw new IllegalStateException("k8s/rapport/Chart.yaml not found above " + Path.of("").toAbsolutePath());
    }
}
