package dev.qwenvl.jep;

import dev.qwenvl.engine.UnsafeStartMethodException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import org.junit.jupiter.api.Test;

/** With no start method chosen, the runtime sets spawn before vllm is imported and the engine starts. */
class SpawnByDefaultIT {

    @Test
    void withoutAChoiceTheEngineStartsWithSpawnSet() {
        try (PythonRuntime runtime = PythonRuntime.start(TestPython.config().build())) {
            assertNull(runtime.call("os", "getenv", UnsafeStartMethodException.VARIABLE), "unset before the engine");
            try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/models/y"))) {
                assertEquals("spawn", runtime.call("os", "getenv", UnsafeStartMethodException.VARIABLE));
            }
        }
    }
}
