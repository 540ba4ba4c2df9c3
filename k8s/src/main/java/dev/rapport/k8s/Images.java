package dev.rapport.k8s;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Builds each service's container image without a Docker daemon (Jib, to an OCI image tarball), from scratch:
 * <ul>
 * <li>a Java runtime made by jlink from the JDK that runs this build, and only the shared libraries it and the
 * service's native code (the chatbot's ONNX runtime and tokenizer) link to, found with ldd;</li>
 * <li>the Quarkus application in /deployments (the working directory: Quarkus reads config/application.properties
 * from there, which the Helm chart mounts from a ConfigMap);</li>
 * <li>user 65532, every file owned by root and read-only to it: the image runs with a read-only root filesystem;
 * the Helm chart gives each pod a small /tmp (an emptyDir) for the native libraries and files the JVM unpacks.</li>
 * </ul>
 * Built on Linux x86-64 only: the shared libraries come from the building machine.
 * Usage: {@code Images <repository root> <output dir> <version> <service>...}; `make images` runs it.
 */
public final class Images {

    static final String USER = "65532";
    static final AbsoluteUnixPath APP = AbsoluteUnixPath.get("/deployments");
    static final AbsoluteUnixPath JAVA = AbsoluteUnixPath.get("/opt/java");
    /**
     * The JDK modules in the image: all of Java SE (Quarkus and its libraries reach into java.rmi, java.desktop's
     * java.beans, ...; the images are booted in ImageTest to prove nothing is missing) and the jdk.* modules the
     * services use (Unsafe, locales for ko/es/ca, DNS, charsets, JFR, EC and PKCS#11 crypto, zip file systems).
     */
    static final List<String> MODULES = List.of("java.se", "jdk.charsets", "jdk.crypto.cryptoki", "jdk.crypto.ec",
            "jdk.jfr", "jdk.localedata", "jdk.management", "jdk.naming.dns", "jdk.net", "jdk.security.auth",
            "jdk.unsupported", "jdk.zipfs");
    /** Libraries only a desktop loads (the services run headless): their X11 dependencies stay out. */
    private static final Set<String> DESKTOP_ONLY = Set.of("libawt_xawt.so", "libjawt.so", "libsplashscreen.so", "libjsound.so");
    private static final Pattern LDD_LINE = Pattern.compile("\\s*(?:\\S+ => )?(/\\S+) \\(0x[0-9a-f]+\\)");
    private static final Pattern LDD_MISSING = Pattern.compile("\\s*(\\S+) => not found|.*version `[^']+' not found.*");
    /** Loaded by name at run time (host and user lookups), so ldd does not list them; stubs in newer glibc. */
    private static final List<String> LOADED_BY_NAME = List.of("libnss_files.so.2", "libnss_dns.so.2", "libresolv.so.2");

    private final Path root;
    private final Path output;
    private final String version;
    private final Path work;

    Images(Path root, Path output, String version) throws IOException {
        String arch = System.getProperty("os.arch");
        if (!System.getProperty("os.name").equals("Linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new IllegalStateException("images are built on Linux x86-64 (they carry the builder's libraries), not " + arch);
        }
        this.root = root;
        this.output = Files.createDirectories(output);
        this.version = version;
        this.work = Files.createDirectories(output.resolve("work"));
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 4) {
            System.err.println("usage: Images <repository root> <output dir> <version> <service>...");
            System.exit(2);
        }
        var images = new Images(Path.of(args[0]), Path.of(args[1]), args[2]);
        for (String service : List.of(args).subList(3, args.length)) {
            long start = System.nanoTime();
            Path image = images.build(service);
            System.out.printf("[images] %s -> %s (%d MiB, %d s)%n", service, image, Files.size(image) >> 20,
                    TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start));
        }
    }

    /** The image's name and tag. */
    String reference(String service) {
        return "rapport/" + service + ":" + version;
    }

    /** Builds rapport/<service>:<version> into <output>/<service>.tar and returns that file. */
    Path build(String service) throws Exception {
        Path app = root.resolve(service).resolve("target/quarkus-app");
        if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException(app + " has no quarkus-run.jar: build the service first (make build)");
        }
        Path runtime = javaRuntime();
        JibContainerBuilder image = Jib.fromScratch()
                .setFormat(ImageFormat.OCI)
                .addFileEntriesLayer(system(runtime, app))
                .addFileEntriesLayer(tree("java", runtime, JAVA))
                .addFileEntriesLayer(tree("libraries", app.resolve("lib"), APP.resolve("lib")))
                .addFileEntriesLayer(application(app))
                .setEntrypoint(JAVA.resolve("bin/java").toString(), "-jar", APP.resolve("quarkus-run.jar").toString())
                .setWorkingDirectory(APP)
                .setUser(USER + ":" + USER)
                .setEnvironment(Map.of("JAVA_HOME", JAVA.toString(), "LANG", "C.UTF-8", "HOME", "/tmp"))
                .setExposedPorts(Set.of(Port.tcp(8080)))
                .setLabels(Map.of(
                        "org.opencontainers.image.title", "rapport-" + service,
                        "org.opencontainers.image.version", version,
                        "org.opencontainers.image.licenses", "Apache-2.0"));
        Path tar = output.resolve(service + ".tar");
        image.containerize(Containerizer.to(TarImage.at(tar).named(reference(service)))
                .setApplicationLayersCache(work.resolve("layers"))
                .setBaseImageLayersCache(work.resolve("base-layers"))
                .setOfflineMode(true)
                .setAllowInsecureRegistries(false));
        return tar;
    }

    /** jlink's runtime of the JDK running this build, made once per JDK and module list. */
    private Path javaRuntime() throws IOException, InterruptedException {
        Path javaHome = Path.of(System.getProperty("java.home"));
        Path runtime = work.resolve("java-" + Runtime.version() + "-" + Integer.toHexString((javaHome + MODULES.toString()).hashCode()));
        if (Files.isRegularFile(runtime.resolve("bin/java"))) {
            return runtime;
        }
        Set<String> available = new TreeSet<>(
                run(List.of(javaHome.resolve("bin/java").toString(), "--list-modules")).lines()
                        .map(line -> line.replaceAll("@.*", "")).toList());
        var modules = MODULES.stream().filter(available::contains).toList();
        run(List.of(javaHome.resolve("bin/jlink").toString(), "--add-modules", String.join(",", modules),
                "--strip-debug", "--no-header-files", "--no-man-pages", "--compress=zip-6",
                "--output", runtime.toString()));
        return runtime;
    }

    /**
     * The few files of an operating system the JVM needs: the shared libraries it (and the service's native code)
     * links to, as ldd resolves them on the build machine; /etc/passwd with the service's user; mount points.
     */
    private FileEntriesLayer system(Path runtime, Path app) throws IOException, InterruptedException {
        var libraries = new TreeSet<String>();
        var objects = new ArrayList<Path>();
        try (Stream<Path> files = Files.walk(runtime)) {
            files.filter(f -> f.toString().endsWith(".so") || f.endsWith("bin/java"))
                    .filter(f -> !DESKTOP_ONLY.contains(f.getFileName().toString()))
                    .forEach(objects::add);
        }
        List<Path> natives = nativeLibraries(app);
        objects.addAll(natives);
        // libraries that link to one another inside the runtime (libjvm.so) or inside a jar are found at run time
        var shipped = objects.stream().map(n -> n.getFileName().toString()).toList();
        for (Path object : objects) {
            for (String line : run(List.of("ldd", object.toString())).lines().toList()) {
                var matcher = LDD_LINE.matcher(line);
                // Libraries of the runtime itself (bin/../lib/libjli.so) are in it already.
                if (matcher.matches() && !matcher.group(1).startsWith(work.toString())) {
                    libraries.add(matcher.group(1));
                }
                var missing = LDD_MISSING.matcher(line);
                // anything else ldd cannot find would be missing in the image too
                if (missing.matches() && (missing.group(1) == null
                        || shipped.stream().noneMatch(n -> n.endsWith(missing.group(1).replaceAll("\\.so(\\.[0-9]+)+$", ".so"))))) {
                    throw new IllegalStateException(object + " needs a library this machine lacks: " + line.strip());
                }
            }
        }
        Path libc = Path.of(libraries.stream().filter(l -> l.endsWith("/libc.so.6")).findFirst()
                .orElseThrow(() -> new IllegalStateException("ldd found no libc")));
        for (String name : LOADED_BY_NAME) {
            if (Files.exists(libc.resolveSibling(name))) {
                libraries.add(libc.resolveSibling(name).toString());
            }
        }
        var layer = FileEntriesLayer.builder().setName("system");
        for (String library : libraries) {
            // The file itself, under the path the loader looks for (merged /usr: /lib is /usr/lib on the builder).
            layer.addEntry(Path.of(library).toRealPath(), AbsoluteUnixPath.get(library), FilePermissions.fromOctalString("755"));
        }
        Path etc = Files.createDirectories(work.resolve("etc"));
        Files.writeString(etc.resolve("passwd"),
                "root:x:0:0:root:/root:/sbin/nologin\nrapport:x:" + USER + ":" + USER + ":rapport:/tmp:/sbin/nologin\n");
        Files.writeString(etc.resolve("group"), "root:x:0:\nrapport:x:" + USER + ":\n");
        Files.writeString(etc.resolve("nsswitch.conf"), "hosts: files dns\n");
        for (String file : List.of("passwd", "group", "nsswitch.conf")) {
            layer.addEntry(etc.resolve(file), AbsoluteUnixPath.get("/etc/" + file), FilePermissions.fromOctalString("644"));
        }
        Path empty = Files.createDirectories(work.resolve("empty"));
        // Mount points only: /tmp stays read-only unless the pod mounts a volume there (chatbot-service does).
        for (String mountPoint : List.of("/tmp", "/proc", "/dev", "/sys", APP.resolve("config").toString())) {
            layer.addEntry(empty, AbsoluteUnixPath.get(mountPoint), FilePermissions.fromOctalString("755"));
        }
        return layer.build();
    }

    /** Linux x86-64 shared libraries shipped inside the service's jars (unpacked at run time, linked to ours). */
    private List<Path> nativeLibraries(Path app) throws IOException {
        var found = new ArrayList<Path>();
        Path unpacked = Files.createDirectories(work.resolve("natives"));
        try (Stream<Path> jars = Files.walk(app.resolve("lib"))) {
            for (Path jar : jars.filter(f -> f.toString().endsWith(".jar")).toList()) {
                try (var zip = new ZipFile(jar.toFile())) {
                    for (var entry : zip.stream().toList()) {
                        String name = entry.getName();
                        if (name.endsWith(".so") && name.matches(".*(linux-x86_64|linux-x64|linux/x86_64|linux-amd64).*")) {
                            Path target = unpacked.resolve(name.replace('/', '_'));
                            try (InputStream in = zip.getInputStream(entry)) {
                                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                            }
                            found.add(target);
                        }
                    }
                }
            }
        }
        return found;
    }

    private FileEntriesLayer application(Path app) throws IOException {
        var layer = FileEntriesLayer.builder().setName("application");
        layer.addEntry(app.resolve("quarkus-run.jar"), APP.resolve("quarkus-run.jar"), FilePermissions.fromOctalString("644"));
        for (String dir : List.of("app", "quarkus")) {
            addTree(layer, app.resolve(dir), APP.resolve(dir));
        }
        return layer.build();
    }

    private static FileEntriesLayer tree(String name, Path source, AbsoluteUnixPath target) throws IOException {
        var layer = FileEntriesLayer.builder().setName(name);
        addTree(layer, source, target);
        return layer.build();
    }

    /** Every file under source, owned by root: 755 where executable, else 644 (nothing writable by the user). */
    private static void addTree(FileEntriesLayer.Builder layer, Path source, AbsoluteUnixPath target) throws IOException {
        var files = new TreeMap<String, Path>();
        try (Stream<Path> walk = Files.walk(source)) {
            walk.filter(Files::isRegularFile).forEach(f -> files.put(source.relativize(f).toString(), f));
        }
        files.forEach((relative, file) -> layer.addEntry(file, target.resolve(relative),
                FilePermissions.fromOctalString(Files.isExecutable(file) ? "755" : "644")));
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        var process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0 && !command.get(0).equals("ldd")) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
        }
        return out;
    }
}
