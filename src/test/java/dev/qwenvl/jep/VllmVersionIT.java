package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineUnavailableException;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import org.junit.jupiter.api.Test;

/** A vllm outside the supported range (the stand-in faking its version) is refused at engine setup. */
class VllmVersionIT {

    @Test
    void anUnsupportedVllmVersionIsRefusedWithTheRangeAndTheFix() {
        try (PythonRuntime runtime = PythonRuntime.start(TestPython.config()
                .environment("QWENVL_STANDIN_VLLM_VERSION", "0.9.2").build())) {
            EngineUnavailableException e = assertThrows(EngineUnavailableException.class,
                    () -> JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/models/x")));
            assertTrue(e.getMessage().contains("vllm 0.9.2 is installed"), e.getMessage());
            assertTrue(e.getMessage().contains("supports vllm >= 0.11.0 and < 0.33.0"), e.getMessage());
            assertTrue(e.getMessage().contains("pip install 'vllm>=0.11.0,<0.33.0'"), e.getMessage());
        }
    }
}
