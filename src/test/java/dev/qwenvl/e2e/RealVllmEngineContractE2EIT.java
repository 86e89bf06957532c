package dev.qwenvl.e2e;

import dev.qwenvl.engine.JepLlmEngine;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineContract;
import dev.qwenvl.model.QwenVlSettings;
import dev.qwenvl.python.PythonRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The engine contract that the stand-in passes, against the real vLLM and the tiny model. */
class RealVllmEngineContractE2EIT extends LlmEngineContract {
    private static PythonRuntime runtime;

    @BeforeAll
    static void start() {
        E2ETier.assumeInstalled();
        runtime = E2ETier.startRuntime();
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @Override
    protected LlmEngine startEngine() {
        // uint8 frames at their own size: the model's processor resizes and normalises them
        return JepLlmEngine.start(runtime, QwenVlSettings.engineArgs(E2ETier.config().modelDoesPreprocess(true).build()));
    }
}
