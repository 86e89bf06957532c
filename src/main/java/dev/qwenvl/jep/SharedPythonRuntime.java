package dev.qwenvl.jep;

/**
 * The process-wide runtime behind {@link PythonRuntime#shared()}: started on first use for the
 * located environment ({@link PythonLocator}), closed when the JVM exits, after the engines ({@link EngineShutdown}).
 * Closing it explicitly is allowed; the next {@code get()} then starts a new one, except once the
 * JVM's shutdown has begun: a runtime started then would not be closed by the hook, and a Java thread
 * still inside Python when the JVM exits can deadlock the exit (torch's exit handler waits for the
 * GIL that thread holds while the JVM has stopped it).
 */
final class SharedPythonRuntime {
    private static final Object LOCK = new Object();
    private static PythonRuntime shared;

    private SharedPythonRuntime() {}

    static PythonRuntime get() {
        synchronized (LOCK) {
            if (shared == null || shared.isClosed()) {
                if (EngineShutdown.exiting()) {
                    throw new IllegalStateException("No embedded Python runtime starts while the JVM shuts down");
                }
                shared = PythonRuntime.start(PythonRuntimeConfig.defaults());
                EngineShutdown.closeAtExit(shared); // after the engines, within a bounded time
            }
            return shared;
        }
    }
}
