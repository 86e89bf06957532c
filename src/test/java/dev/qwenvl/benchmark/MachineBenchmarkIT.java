package dev.qwenvl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark through the real embedded Python, PyAV clips and the caption path, on the stand-in
 * vllm (which honours ignore_eos and reports token counts). The real vLLM run is
 * {@code dev.qwenvl.e2e.BenchmarkCommandE2EIT}.
 */
class MachineBenchmarkIT {
    private static PythonRuntime runtime;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        runtime = PythonRuntime.start(TestPython.config().build());
        Path tiny = Files.createDirectories(dir.resolve("tiny").resolve(ModelVariant.QWEN.modelId()));
        Files.writeString(tiny.resolve("config.json"), "{\"hidden_size\": 128}");
        Files.writeString(tiny.resolve("tokenizer.json"), "{}");
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @BeforeEach
    void resetStandIn() {
        runtime.call("vllm", "reset");
    }

    private static BenchmarkConfig config(String work) {
        return BenchmarkConfig.builder(dir.resolve(work)).tinyModelDir(dir.resolve("tiny"))
                .generatedClips(2, 2).maxOutputTokens(8).build();
    }

    private static Map<?, ?> recorded() {
        return (Map<?, ?>) runtime.call("vllm", "recorded");
    }

    @Test
    void onACpuTheTinyArchitectureRunsInBf16WithDummyWeightsAFixedOutputLengthAndFp8IsSkipped() {
        BenchmarkReport report = new MachineBenchmark(runtime, Accelerator.cpu()).run(config("cpu"));
        assertEquals(BenchmarkArchitecture.TINY, report.architecture());
        assertEquals(2, report.clips());
        PrecisionResult fp8 = report.results().get(0);
        assertEquals(PrecisionResult.Status.SKIPPED, fp8.status());
        assertTrue(fp8.reason().contains("CPU build has no FP8"), fp8.reason());
        PrecisionResult bf16 = report.results().get(1);
        assertEquals(PrecisionResult.Status.RAN, bf16.status(), bf16.reason());
        assertEquals(2, bf16.windows(), "one window per 2 s clip");
        assertEquals(0, bf16.failedVideos());
        assertEquals(2L * 8, bf16.outputTokens(), "windows x max tokens with ignore_eos");
        assertTrue(bf16.promptTokens() > 0);
        assertTrue(bf16.windowsPerSecond() > 0 && bf16.outputTokensPerSecond() > 0 && bf16.promptTokensPerSecond() > 0);
        assertTrue(bf16.engineSeconds() > 0 && bf16.engineSeconds() <= bf16.totalSeconds());
        assertTrue(bf16.peakMemory().what().startsWith("n/a on CPU"), bf16.peakMemory().what());

        List<?> constructed = (List<?>) recorded().get("constructed");
        assertEquals(1, constructed.size(), "one engine: FP8 never started");
        Map<?, ?> kwargs = (Map<?, ?>) constructed.get(0);
        assertEquals("dummy", kwargs.get("load_format"));
        assertNull(kwargs.get("quantization"));
        assertTrue(((String) kwargs.get("model")).endsWith("model-tiny/Qwen/Qwen2.5-VL-7B-Instruct"), kwargs.toString());
        Map<?, ?> sampling = (Map<?, ?>) ((Map<?, ?>) ((List<?>) recorded().get("generate_calls")).get(0)).get("sampling");
        assertEquals(Boolean.TRUE, sampling.get("ignore_eos"));
        assertEquals(8L, ((Number) sampling.get("max_tokens")).longValue());
        assertEquals(0, ((Number) runtime.call("qwenvl_bridge.engine", "count")).intValue(), "engines closed");
    }

    @Test
    void onAGpuThePublishedArchitectureRunsWithFp8ThenBf16() throws Exception {
        Accelerator forced = new Accelerator(true, "forced GPU (test)", 81559);
        BenchmarkReport report = new MachineBenchmark(runtime, forced).run(config("gpu"));
        assertEquals(BenchmarkArchitecture.PUBLISHED, report.architecture());
        assertEquals(List.of(PrecisionResult.Status.RAN, PrecisionResult.Status.RAN),
                report.results().stream().map(PrecisionResult::status).toList());
        List<?> constructed = (List<?>) recorded().get("constructed");
        assertEquals("fp8", ((Map<?, ?>) constructed.get(0)).get("quantization"));
        assertNull(((Map<?, ?>) constructed.get(1)).get("quantization"));
        Path config = dir.resolve("gpu/model-published/Qwen/Qwen2.5-VL-7B-Instruct/config.json");
        assertTrue(Files.readString(config).contains("\"hidden_size\": 3584"));
        assertTrue(report.results().get(0).peakMemory().what().contains("nvidia-smi"));
    }
}
