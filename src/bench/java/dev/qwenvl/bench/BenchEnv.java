package dev.qwenvl.bench;

import dev.qwenvl.jep.PythonLocator;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonRuntimeConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the benchmarks find things. The bench profile passes these as system properties; the
 * defaults work when run from the repository root.
 */
final class BenchEnv {
    static final String ROOT = "qwenvl.bench.root";
    static final String OUT = "qwenvl.bench.out";
    static final String TEST_PYTHON = "qwenvl.test.python";
    /** Folder holding the tiny end-to-end model as model dir / model id (P4). */
    static final String E2E_MODEL_DIR = "qwenvl.e2e.modelDir";

    private BenchEnv() {}

    /** The repository root. */
    static Path root() {
        return Path.of(System.getProperty(ROOT, ".")).toAbsolutePath().normalize();
    }

    /** Where results, generated videos and JMH logs go. */
    static Path out() {
        return Path.of(System.getProperty(OUT, "target/bench")).toAbsolutePath().normalize();
    }

    /** The environment's python (as the library finds it). */
    static Path python() {
        return PythonLocator.locate().toAbsolutePath();
    }

    /** src/test/python: the stand-in vllm. */
    static Path standIn() {
        return Path.of(System.getProperty(TEST_PYTHON, root().resolve("src/test/python").toString())).toAbsolutePath();
    }

    /** The end-to-end tier's model dir (P4): the tiny random model in Qwen/Qwen2.5-VL-7B-Instruct. */
    static Path e2eModelDir() {
        return Path.of(System.getProperty(E2E_MODEL_DIR, root().resolve(".models/tiny-random").toString()))
                .toAbsolutePath().normalize();
    }

    /** python/bench: the Python halves of the benchmarks. */
    static Path benchPython() {
        return root().resolve("python/bench");
    }

    /** A runtime whose sys.path has the stand-in vllm and the benchmark helpers. */
    static PythonRuntime startRuntime() {
        return PythonRuntime.start(PythonRuntimeConfig.builder().python(python()).addPath(standIn())
                .addPath(benchPython()).build());
    }

    /** System properties a child JVM needs to find the same things. */
    static List<String> childProperties() {
        return List.of("-D" + PythonLocator.PROPERTY + "=" + python(), "-D" + TEST_PYTHON + "=" + standIn(),
                "-D" + ROOT + "=" + root(), "-D" + OUT + "=" + out(), "-D" + E2E_MODEL_DIR + "=" + e2eModelDir(),
                "-Dlogback.configurationFile=" + System.getProperty("logback.configurationFile",
                        root().resolve("src/bench/logback-bench.xml").toString()));
    }

    /** Median of the values (mean of the middle two for an even count). */
    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
