package dev.qwenvl.jep;

/**
 * Raw interpreter access for the bridge-overhead benchmark only ({@link PythonRuntime#execute} is
 * not public API): a constant import statement, and a call that skips the bridge's conversion of
 * arguments, to measure what that conversion costs.
 */
public final class BenchInterpreter {
    private BenchInterpreter() {}

    /** Imports {@code qwenvl_bench_helpers} (a constant statement). */
    public static void importBenchHelpers(PythonRuntime runtime) {
        runtime.execute(py -> {
            py.exec("import qwenvl_bench_helpers");
            return null;
        });
    }

    /** {@code qwenvl_bench_helpers.accept(*args)} invoked directly, without the bridge's conversion. */
    public static Object acceptUnconverted(PythonRuntime runtime, Object[] args) {
        return runtime.execute(py -> py.invoke("qwenvl_bench_helpers.accept", args));
    }
}
