package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.model.QwenVlSettings;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every argument QwenVL passes exists in the installed vLLM, so a rename there fails here, not for
 * a user; and the video metadata the library sends moves the model's time positions with the rate.
 */
class VllmArgumentsE2EIT {
    @RegisterExtension
    static final E2ESharedRuntime PYTHON = new E2ESharedRuntime();

    private static Set<String> names(String function) {
        return new HashSet<>(castList(PYTHON.get().call("qwenvl_e2e.checks", function)));
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }

    @Test
    void everyEngineArgumentIsAnEngineArgsFieldOrAnLlmParameter() {
        Set<String> accepted = names("vllm_engine_fields");
        accepted.addAll(names("vllm_llm_parameters"));
        for (boolean fp8 : new boolean[] {true, false}) {
            Set<String> passed = QwenVlSettings.engineArgs(E2ETier.config().fp8(fp8).build()).toKwargs().keySet();
            for (String name : passed) {
                assertTrue(accepted.contains(name), "vllm.LLM no longer accepts '" + name + "'");
            }
        }
    }

    @Test
    void theSamplingRateInTheVideoMetadataSetsTheModelsTimePositions() {
        // temporal patch 2: seconds per temporal grid step = 2 / fps
        assertEquals(List.of(1.0), PYTHON.get().call("qwenvl_e2e.checks", "seconds_per_grid", E2ETier.weights().toString(), 2.0));
        assertEquals(List.of(4.0), PYTHON.get().call("qwenvl_e2e.checks", "seconds_per_grid", E2ETier.weights().toString(), 0.5));
    }

    @Test
    void everySamplingArgumentIsASamplingParamsField() {
        Set<String> accepted = names("vllm_sampling_fields");
        for (String name : QwenVlSettings.samplingParams(E2ETier.config().build()).toKwargs().keySet()) {
            assertTrue(accepted.contains(name), "vllm.SamplingParams no longer accepts '" + name + "'");
        }
    }
}
