package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineUnavailableException;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonRuntimeConfig;
import dev.qwenvl.jep.TestPython;
import org.junit.jupiter.api.Test;

/** Without vllm (simulated by src/test/python-novllm), starting an engine says how to install it. */
class VllmMissingIT {

    @Test
    void startingAnEngineWithoutVllmThrowsEngineUnavailableWithTheInstallHint() {
        PythonRuntimeConfig config = PythonRuntimeConfig.builder().python(TestPython.python())
                .addPath(TestPython.withoutVllm()).build();
        try (PythonRuntime runtime = PythonRuntime.start(config)) {
            EngineUnavailableException e = assertThrows(EngineUnavailableException.class,
                    () -> JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/models/x")));
            assertTrue(e.getMessage().contains("vllm is not installed in " + runtime.environment().executable()), e.getMessage());
            assertTrue(e.getMessage().contains("pip install"), e.getMessage());
        }
    }

}
