package dev.qwenvl.jep;

import dev.qwenvl.engine.UnsafeStartMethodException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code VLLM_WORKER_MULTIPROC_METHOD=fork} (given to the embedded interpreter's environment, as a
 * user's shell would) is refused before vllm is imported: a typed exception naming the variable and
 * the fix, and no engine. Runs on the stand-in vllm; the real vLLM's refusal is in
 * {@code dev.qwenvl.e2e.ForkRefusedE2EIT}. Its own JVM (failsafe forks one per class).
 */
class ForkRefusedIT {

    @Test
    void forkIsRefusedWithATypedErrorNamingTheVariableAndNothingStarts() {
        try (PythonRuntime runtime = PythonRuntime.start(TestPython.config()
                .environment(UnsafeStartMethodException.VARIABLE, "fork").build())) {
            UnsafeStartMethodException e = assertThrows(UnsafeStartMethodException.class,
                    () -> JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/models/x")));
            assertTrue(e.getMessage().contains("VLLM_WORKER_MULTIPROC_METHOD=fork"), e.getMessage());
            assertTrue(e.getMessage().contains("unset VLLM_WORKER_MULTIPROC_METHOD"), e.getMessage());
            assertTrue(e.getMessage().contains("VLLM_WORKER_MULTIPROC_METHOD=spawn"), e.getMessage());
            assertEquals(List.of(), ((Map<?, ?>) runtime.call("vllm", "recorded")).get("constructed"),
                    "vllm.LLM was never constructed");
            assertEquals("fork", runtime.call("os", "getenv", UnsafeStartMethodException.VARIABLE), "the user's value is left alone");
        }
    }
}
