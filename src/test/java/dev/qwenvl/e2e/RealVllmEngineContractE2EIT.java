package dev.qwenvl.e2e;

import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineContract;
import dev.qwenvl.model.QwenVlSettings;

import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The engine contract that the stand-in passes, against the real vLLM and the tiny model. The
 * request tests use the engine this JVM's e2e classes share for these arguments
 * ({@link E2ESharedRuntime}, the one RealVllmE2EIT's model-preprocesses test captions with); the
 * close test starts and closes its own.
 */
class RealVllmEngineContractE2EIT extends LlmEngineContract {
    @RegisterExtension
    static final E2ESharedRuntime PYTHON = new E2ESharedRuntime();

    /** uint8 frames at their own size: the model's processor resizes and normalises them. */
    private static EngineArgs args() {
        return QwenVlSettings.engineArgs(E2ETier.config().modelDoesPreprocess(true).build());
    }

    @Override
    protected LlmEngine startEngine() {
        return JepLlmEngine.start(PYTHON.get(), args());
    }

    @Override
    protected LlmEngine engineForRequests() {
        return PYTHON.engine(args());
    }
}
