package dev.qwenvl.e2e;

import dev.qwenvl.python.PythonRuntime;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The embedded runtime of an end-to-end test class: checks that the tier is installed (see
 * {@link E2ETier#assumeInstalled()}), starts the runtime before the class and closes it after.
 * Use as {@code @RegisterExtension static final E2ERuntime PYTHON = new E2ERuntime();}.
 */
final class E2ERuntime implements BeforeAllCallback, AfterAllCallback {
    private final boolean inProcessEngine;
    private PythonRuntime runtime;

    E2ERuntime() {
        this(false);
    }

    /** {@code inProcessEngine}: see {@link E2ETier#startRuntime(boolean)}. */
    E2ERuntime(boolean inProcessEngine) {
        this.inProcessEngine = inProcessEngine;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        E2ETier.assumeInstalled();
        runtime = E2ETier.startRuntime(inProcessEngine);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (runtime != null) {
            runtime.close();
        }
    }

    PythonRuntime get() {
        return runtime;
    }
}
