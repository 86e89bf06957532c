package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.UnsafeStartMethodException;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonRuntimeConfig;
import dev.qwenvl.jep.TestPython;
import org.junit.jupiter.api.Test;

/**
 * {@code VLLM_WORKER_MULTIPROC_METHOD=fork} in the embedded interpreter's environment (as a user's
 * shell would set it) with the real vLLM installed: setup fails with {@link UnsafeStartMethodException}
 * naming the variable and the fix, vllm is not even imported, and no process is started. Its own
 * JVM (failsafe forks one per class), since the variable is process-wide.
 */
class ForkRefusedE2EIT {

    @Test
    void forkIsRefusedBeforeVllmIsImportedAndNoProcessStarts() {
        E2ETier.assumeInstalled();
        PythonRuntimeConfig config = PythonRuntimeConfig.builder().python(TestPython.python())
                .addPath(TestPython.testSources().resolveSibling("python-e2e"))
                .environment("VLLM_CPU_KVCACHE_SPACE", "1")
                .environment(UnsafeStartMethodException.VARIABLE, "fork")
                .build();
        try (PythonRuntime runtime = PythonRuntime.start(config);
             QwenVL model = new QwenVL(E2ETier.config().build(), JepLlmEngine.factory(runtime))) {
            UnsafeStartMethodException e = assertThrows(UnsafeStartMethodException.class, model::setup);
            assertTrue(e.getMessage().contains("VLLM_WORKER_MULTIPROC_METHOD=fork"), e.getMessage());
            assertTrue(e.getMessage().contains("set VLLM_WORKER_MULTIPROC_METHOD=spawn"), e.getMessage());
            assertFalse((Boolean) runtime.call("qwenvl_e2e.checks", "vllm_imported"), "refused before vllm was imported");
            assertEquals(0L, ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).count(), "no engine process");
            assertEquals(0, ((Number) runtime.call("qwenvl_e2e.checks", "engines_open")).intValue());
        }
    }
}
