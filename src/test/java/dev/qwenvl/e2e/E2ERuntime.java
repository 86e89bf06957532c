package dev.qwenvl.e2e;

import dev.qwenvl.jep.PythonRuntime;
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
    private final String modelId;
    private PythonRuntime runtime;

    E2ERuntime() {
        this(false, "Qwen/Qwen2.5-VL-7B-Instruct");
    }

    /**
     * {@code inProcessEngine}: see {@link E2ETier#startRuntime(boolean)}; {@code modelId}: the tiny
     * model the class needs.
     */
    E2ERuntime(boolean inProcessEngine, String modelId) {
        this.inProcessEngine = inProcessEngine;
        this.modelId = modelId;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        E2ETier.assumeInstalled(modelId);
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
