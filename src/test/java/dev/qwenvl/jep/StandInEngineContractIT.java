package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineContract;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The engine contract against the stand-in vllm module through the real JEP bridge. */
class StandInEngineContractIT extends LlmEngineContract {
    private static PythonRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = PythonRuntime.start(TestPython.config().build());
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    @Override
    protected LlmEngine startEngine() {
        return JepLlmEngine.start(runtime, StandInEngine.args("/models/contract"));
    }

    /** Engine arguments as the seed sets them (the stand-in accepts anything). */
    static final class StandInEngine {
        static EngineArgs args(String model) {
            return new EngineArgs(model, Map.of("image", 0, "video", 1), "fp8", 32768, 0.85,
                    Map.of("do_resize", false, "do_rescale", false, "do_normalize", false), 4, 32768, Map.of());
        }
    }
}
