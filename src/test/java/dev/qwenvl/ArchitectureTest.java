package dev.qwenvl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The import map of src/main: which package may import which. Only {@code jep} knows that Python
 * exists; the core ({@code engine}, {@code prompt}, {@code video}, {@code model}, {@code caption})
 * imports no adapter and no front end; nothing imports upwards.
 */
class ArchitectureTest {
    private static final Path MAIN = Path.of("src/main/java/dev/qwenvl");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?dev\\.qwenvl\\.(\\w+)\\.", Pattern.MULTILINE);
    private static final Pattern FQN = Pattern.compile("(?<![\\w.])dev\\.qwenvl\\.(\\w+)\\.[A-Z]");

    /** What each package may import besides itself and the root package. */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("engine", Set.of()),
            Map.entry("prompt", Set.of()),
            Map.entry("video", Set.of("engine")),
            Map.entry("model", Set.of("engine", "prompt", "video")),
            Map.entry("caption", Set.of("engine", "prompt", "video", "model")),
            Map.entry("jep", Set.of("engine", "prompt", "video", "model")),
            Map.entry("http", Set.of("engine", "prompt", "video", "model")),
            Map.entry("review", Set.of("video")),
            Map.entry("benchmark", Set.of("engine", "prompt", "video", "model", "caption", "jep")),
            Map.entry("cli", Set.of("engine", "prompt", "video", "model", "caption", "jep", "http", "benchmark", "review")),
            Map.entry("spark", Set.of("engine", "prompt", "video", "model", "caption", "jep", "cli")));

    @Test
    void everyPackageImportsOnlyTheLayersBelowIt() throws IOException {
        Map<String, Set<String>> actual = importMap();
        List<String> violations = new ArrayList<>();
        actual.forEach((from, targets) -> {
            assertTrue(ALLOWED.containsKey(from), "package dev.qwenvl." + from + " has no place in the layer map of this test");
            for (String to : targets) {
                if (!to.equals(from) && !ALLOWED.get(from).contains(to)) {
                    violations.add(from + " -> " + to);
                }
            }
        });
        assertEquals(List.of(), violations, "imports against the layering; the map: " + actual);
    }

    @Test
    void onlyTheJepAdapterNamesPythonOrJep() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = MAIN.relativize(f.getParent()).toString();
                if (pkg.equals("jep")) {
                    continue;
                }
                String code = withoutComments(Files.readString(f));
                if (Pattern.compile("^import jep\\.", Pattern.MULTILINE).matcher(code).find()
                        || code.contains("PythonRuntime") || code.contains("qwenvl_bridge.")) {
                    offenders.add(MAIN.relativize(f).toString());
                }
            }
        }
        // The CLI and Spark front ends configure the interpreter (paths, device, benchmark runtime).
        offenders.removeIf(p -> p.startsWith("cli/") || p.startsWith("spark/") || p.startsWith("benchmark/"));
        assertEquals(List.of(), offenders, "core classes that know Python exists");
    }

    private static Map<String, Set<String>> importMap() throws IOException {
        Map<String, Set<String>> map = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Path rel = MAIN.relativize(f);
                if (rel.getNameCount() < 2) {
                    continue;
                }
                String from = rel.getName(0).toString();
                Set<String> targets = map.computeIfAbsent(from, k -> new TreeSet<>());
                String code = withoutComments(Files.readString(f));
                for (Pattern p : List.of(IMPORT, FQN)) {
                    Matcher m = p.matcher(code);
                    while (m.find()) {
                        targets.add(m.group(1));
                    }
                }
            }
        }
        return map;
    }

    /** The code of a source file without its comments (javadoc may name any class). */
    private static String withoutComments(String source) {
        return source.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("(?m)//.*$", "");
    }
}
