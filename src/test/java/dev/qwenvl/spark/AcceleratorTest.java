package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntimeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** GPU scheduling forced on a CPU machine: the resources Spark would hand a task on a GPU executor. */
class AcceleratorTest {

    private static final SparkCaptionConfig CONFIG = SparkCaptionConfig.of(
            QwenVlConfig.builder().modelDir(Path.of("m")).modelVariant("qwen").captionBatchSize(1).build(),
            CaptionSettings.defaults()).withPython(Path.of("/env/bin/python"))
            .withPythonEnvironment("VLLM_CPU_KVCACHE_SPACE", "1");

    @Test
    void theGpusSparkAssignsBecomeCudaVisibleDevicesOfTheEmbeddedPython() {
        Accelerator gpus = Accelerator.of(Map.of("gpu", new ResourceInformation("gpu", new String[] {"1", "3"}),
                "fpga", new ResourceInformation("fpga", new String[] {"f0"})));
        assertTrue(gpus.hasGpus());
        assertEquals(List.of("1", "3"), gpus.gpus());
        PythonRuntimeConfig runtime = ExecutorCaptioners.runtimeConfig(CONFIG, gpus);
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "1,3", "VLLM_CPU_KVCACHE_SPACE", "1"), runtime.environment());
        assertEquals(Path.of("/env/bin/python"), runtime.python());
    }

    @Test
    void withoutGpuResourcesNothingIsSetAndTheExecutorsVllmBuildDecides() {
        Accelerator none = Accelerator.of(Map.of("fpga", new ResourceInformation("fpga", new String[] {"f0"})));
        assertFalse(none.hasGpus());
        assertEquals(Accelerator.NONE, none);
        assertEquals(Map.of("VLLM_CPU_KVCACHE_SPACE", "1"), ExecutorCaptioners.runtimeConfig(CONFIG, none).environment());
    }

    @Test
    void outsideATaskThereIsNoAccelerator() {
        assertEquals(Accelerator.NONE, Accelerator.ofCurrentTask());
    }
}
