package dev.qwenvl.jep;

import java.nio.file.Path;

/** Where the bridge tests find the environment and their Python helpers (set by Failsafe). */
public final class TestPython {
    private TestPython() {}

    /** The project's environment (system property qwenvl.python, else .venv). */
    public static Path python() {
        return PythonLocator.locate();
    }

    /** src/test/python: the helpers and the stand-in vllm module. */
    public static Path testSources() {
        String dir = System.getProperty("qwenvl.test.python", "src/test/python");
        return Path.of(dir).toAbsolutePath();
    }

    /** python/tests: the Python half's tests and their video writer (videos.py). */
    public static Path pythonTests() {
        return testSources().resolve("../../../python/tests").normalize();
    }

    /** src/test/python-novllm: first on sys.path, it makes {@code import vllm} fail. */
    public static Path withoutVllm() {
        return testSources().resolveSibling("python-novllm");
    }

    /** A runtime config with the test helpers on sys.path. */
    public static PythonRuntimeConfig.Builder config() {
        return PythonRuntimeConfig.builder().python(python()).addPath(testSources());
    }
}
