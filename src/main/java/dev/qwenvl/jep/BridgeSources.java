package dev.qwenvl.jep;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The Python half of the library ({@code qwenvl_bridge}), which travels inside the jar under
 * {@value #RESOURCE_ROOT}. From a jar it is unpacked once into a cache folder named by the content
 * hash, so two versions never mix and an unchanged one is not rewritten; from a classes directory
 * (tests, IDE) it is used in place.
 */
final class BridgeSources {
    static final String RESOURCE_ROOT = "qwenvl-python";
    static final String CACHE_PROPERTY = "qwenvl.cache";

    private BridgeSources() {}

    /** A folder to put on {@code sys.path} so that {@code import qwenvl_bridge} works. */
    static Path locate() {
        URL marker = BridgeSources.class.getResource("/" + RESOURCE_ROOT + "/qwenvl_bridge/__init__.py");
        if (marker == null) {
            throw new PythonEnvironmentException("The Python half (" + RESOURCE_ROOT
                    + "/qwenvl_bridge) is missing from the classpath; the jar is incomplete: rebuild it with mvn package");
        }
        try {
            URI uri = marker.toURI();
            if ("file".equals(uri.getScheme())) {
                return Path.of(uri).getParent().getParent();
            }
            if ("jar".equals(uri.getScheme())) {
                try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                    return unpack(jar.getPath("/" + RESOURCE_ROOT));
                }
            }
        } catch (URISyntaxException | IOException e) {
            throw new PythonEnvironmentException("Cannot unpack the Python half from " + marker + ": " + e.getMessage(), e);
        }
        throw new PythonEnvironmentException("Cannot load the Python half from " + marker + " (unsupported URL scheme)");
    }

    private static Path unpack(Path root) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        Path target = cacheRoot().resolve("python-" + digest(files));
        if (Files.isDirectory(target)) {
            return target;
        }
        Path staging = Files.createDirectories(target.getParent()).resolve(target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path out = staging.resolve(f.getKey());
            Files.createDirectories(out.getParent());
            Files.write(out, f.getValue());
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException raced) {
            if (!Files.isDirectory(target)) {
                throw raced;
            }
            deleteTree(staging); // another process unpacked the same content first
        }
        return target;
    }

    private static Path cacheRoot() {
        String configured = System.getProperty(CACHE_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("qwenvl-jep");
    }

    private static String digest(Map<String, byte[]> files) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                sha.update(f.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(f.getValue());
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            List<Path> paths = walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList();
            for (Path p : paths) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
