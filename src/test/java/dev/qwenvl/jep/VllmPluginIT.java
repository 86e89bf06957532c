package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * qwenvl's vLLM plugin ({@code qwenvl_bridge/vllm_plugin.py}) reaches the processes vLLM spawns
 * from the embedded interpreter: a child started as vLLM starts its engine core (multiprocessing's
 * spawn, the parent's {@code sys.path}) finds the entry point beside the bridge and registers its
 * exit handler; the JVM's own interpreter is left alone. (That it makes a real engine's close
 * graceful is JvmSignalsE2EIT's rerun.)
 */
class VllmPluginIT {

    @Test
    void aSpawnedChildFindsThePluginAndTheEmbeddingProcessIsLeftAlone() {
        try (PythonRuntime runtime = PythonRuntime.start(TestPython.config().build())) {
            assertEquals(List.of(List.of("qwenvl_bridge.vllm_plugin:register"), true),
                    runtime.call("qwenvl_testing.plugin_probe", "in_spawned_child"));
            assertEquals(false, runtime.call("qwenvl_testing.plugin_probe", "here"));
        }
    }
}
