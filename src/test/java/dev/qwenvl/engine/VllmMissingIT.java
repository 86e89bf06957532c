package dev.qwenvl.engine;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.python.PythonRuntime;
import dev.qwenvl.python.PythonRuntimeConfig;
import dev.qwenvl.python.TestPython;
import org.junit.jupiter.api.Test;

/** Without vllm in the environment (the core .venv has none), starting an engine says how to install it. */
class VllmMissingIT {

    @Test
    void startingAnEngineWithoutVllmThrowsEngineUnavailableWithTheInstallHint() {
        try (PythonRuntime runtime = PythonRuntime.start(PythonRuntimeConfig.builder().python(TestPython.python()).build())) {
            boolean hasVllm = (Boolean) runtime.execute(py -> py.getValue("__import__('importlib.util').util.find_spec('vllm') is not None"));
            org.junit.jupiter.api.Assumptions.assumeFalse(hasVllm, "this environment has a real vllm");
            EngineUnavailableException e = assertThrows(EngineUnavailableException.class,
                    () -> JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/models/x")));
            assertTrue(e.getMessage().contains("vllm is not installed in " + runtime.environment().executable()), e.getMessage());
            assertTrue(e.getMessage().contains("pip install"), e.getMessage());
        }
    }

}
