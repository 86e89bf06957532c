package dev.qwenvl.jep;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the bridge tests that run against the stand-in vllm module (src/test/python/vllm): one
 * embedded runtime per test class (each class runs in its own JVM), the stand-in's records
 * cleared before every test.
 */
public abstract class StandInVllmTest {
    protected static PythonRuntime runtime;

    @BeforeAll
    static void startRuntime() {
        runtime = PythonRuntime.start(TestPython.config().addPath(TestPython.pythonTests()).build());
    }

    @AfterAll
    static void stopRuntime() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @BeforeEach
    void resetStandIn() {
        runtime.call("vllm", "reset");
    }

    /** What the stand-in recorded: constructed (kwargs), generate_calls, closed. */
    @SuppressWarnings("unchecked")
    protected static Map<String, Object> recorded() {
        return (Map<String, Object>) runtime.call("vllm", "recorded");
    }

    /** Every input of every generate call, in order. */
    @SuppressWarnings("unchecked")
    protected static List<Map<String, Object>> recordedInputs() {
        return ((List<Map<String, Object>>) recorded().get("generate_calls")).stream()
                .flatMap(c -> ((List<Map<String, Object>>) c.get("inputs")).stream()).toList();
    }
}
