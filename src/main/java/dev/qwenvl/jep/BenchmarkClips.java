package dev.qwenvl.jep;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/** Synthetic clips for the machine benchmark, written by the Python half ({@code qwenvl_bridge.benchmark}). */
public final class BenchmarkClips {
    private BenchmarkClips() {}

    /**
     * Writes {@code count} clips of {@code seconds} each into {@code dir} (created if needed).
     *
     * @return the clips' paths
     */
    public static List<Path> write(PythonRuntime runtime, Path dir, int count, double seconds) {
        Objects.requireNonNull(dir, "dir");
        return new PythonBridge(runtime).writeBenchmarkClips(dir, count, seconds);
    }
}
