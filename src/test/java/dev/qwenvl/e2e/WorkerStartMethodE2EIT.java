package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.python.PythonRuntime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code VLLM_WORKER_MULTIPROC_METHOD} unset, the real vLLM (CPU build) spawns its processes:
 * the method vLLM itself picks (its envs module and get_mp_context) is spawn where its default
 * would fork, as on a GPU, and the engine starts. (The refusal of fork: ForkRefusedE2EIT.)
 */
class WorkerStartMethodE2EIT {
    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();

    @Test
    void vllmWouldForkByDefaultAsOnAGpuButSpawnsInTheEmbeddedRuntime() {
        PythonRuntime runtime = PYTHON.get();
        Map<?, ?> report = (Map<?, ?>) runtime.call("qwenvl_e2e.checks", "start_method_report");
        assertNull(report.get("before"), "the test runs with the variable unset");
        assertEquals(List.of("fork", "fork"), report.get("vllm_default"), "vLLM's own choice without the library (a GPU's)");
        assertEquals(List.of("spawn", "spawn"), report.get("library"), "vLLM's choice after the library imported it");
    }

    @Test
    void theEngineStartsWithTheVariableUnsetAndItsProcessesEndWithIt() {
        PythonRuntime runtime = PYTHON.get();
        try (QwenVL model = new QwenVL(E2ETier.config().build(), JepLlmEngine.factory(runtime))) {
            model.setup();
            assertEquals("spawn", runtime.call("os", "getenv", "VLLM_WORKER_MULTIPROC_METHOD"));
            assertTrue(ProcessHandle.current().descendants().anyMatch(ProcessHandle::isAlive),
                    "vLLM's engine core runs in a spawned child process");
        }
        assertEquals(0, ((Number) runtime.call("qwenvl_e2e.checks", "engines_open")).intValue());
    }
}
