package dev.qwenvl.jep;

/**
 * The process-wide runtime behind {@link PythonRuntime#shared()}: started on first use for the
 * located environment ({@link PythonLocator}), closed when the JVM exits, after the engines ({@link EngineShutdown}).
 * Closing it explicitly is allowed; the next {@code get()} then starts a new one.
 */
final class SharedPythonRuntime {
    private static final Object LOCK = new Object();
    private static PythonRuntime shared;

    private SharedPythonRuntime() {}

    static PythonRuntime get() {
        synchronized (LOCK) {
            if (shared == null || shared.isClosed()) {
                shared = PythonRuntime.start(PythonRuntimeConfig.defaults());
                EngineShutdown.closeAtExit(shared); // after the engines, within a bounded time
            }
            return shared;
        }
    }
}
