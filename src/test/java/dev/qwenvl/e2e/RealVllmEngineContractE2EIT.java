package dev.qwenvl.e2e;

import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineContract;
import dev.qwenvl.model.QwenVlSettings;

import org.junit.jupiter.api.extension.RegisterExtension;

/** The engine contract that the stand-in passes, against the real vLLM and the tiny model. */
class RealVllmEngineContractE2EIT extends LlmEngineContract {
    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();

    @Override
    protected LlmEngine startEngine() {
        // uint8 frames at their own size: the model's processor resizes and normalises them
        return JepLlmEngine.start(PYTHON.get(), QwenVlSettings.engineArgs(E2ETier.config().modelDoesPreprocess(true).build()));
    }
}
