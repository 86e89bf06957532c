package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.qwenvl.jep.PythonRuntime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code VLLM_WORKER_MULTIPROC_METHOD} unset, the real vLLM (CPU build) spawns its processes:
 * the method vLLM itself picks (its envs module and get_mp_context) is spawn where its default
 * would fork, as on a GPU. That the engine then starts (and captions) with the variable unset is
 * checked by BenchmarkCommandE2EIT, which runs the CLI with it unset; the refusal of fork is
 * ForkRefusedE2EIT. No engine starts here.
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
}
