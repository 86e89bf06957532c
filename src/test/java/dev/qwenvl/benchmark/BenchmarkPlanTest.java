package dev.qwenvl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.model.ModelVariant;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the benchmark decides before anything runs: architecture, precisions, the model folder. */
class BenchmarkPlanTest {
    private static final Accelerator GPU = new Accelerator(true, "NVIDIA H200", 143771);

    @TempDir
    Path dir;

    private Path tinyModel(String modelId) throws IOException {
        Path tiny = Files.createDirectories(dir.resolve("tiny").resolve(modelId));
        Files.writeString(tiny.resolve("config.json"), "{\"hidden_size\": 128}");
        Files.writeString(tiny.resolve("tokenizer.json"), "{}");
        Files.writeString(tiny.resolve("preprocessor_config.json"), "{}");
        Files.writeString(tiny.resolve("video_preprocessor_config.json"), "{}");
        Files.writeString(tiny.resolve("model.safetensors"), "weights");
        Files.writeString(tiny.resolve("RANDOM_WEIGHTS.txt"), "random");
        return tiny;
    }

    @Test
    void onAGpuThePublishedArchitectureRunsWithFp8AndBf16() {
        BenchmarkConfig config = BenchmarkConfig.builder(dir).build();
        assertEquals(BenchmarkArchitecture.PUBLISHED, MachineBenchmark.architectureFor(config, GPU));
        assertNull(MachineBenchmark.skipReason(Precision.FP8, GPU));
        assertNull(MachineBenchmark.skipReason(Precision.BF16, GPU));
    }

    @Test
    void onACpuTheTinyArchitectureRunsAndFp8IsSkippedSayingWhy() {
        BenchmarkConfig config = BenchmarkConfig.builder(dir).build();
        assertEquals(BenchmarkArchitecture.TINY, MachineBenchmark.architectureFor(config, Accelerator.cpu()));
        String reason = MachineBenchmark.skipReason(Precision.FP8, Accelerator.cpu());
        assertTrue(reason.contains("CPU build has no FP8"), reason);
        assertNull(MachineBenchmark.skipReason(Precision.BF16, Accelerator.cpu()));
    }

    @Test
    void toBuilderKeepsEveryValue() {
        BenchmarkConfig config = BenchmarkConfig.builder(dir).architecture(BenchmarkArchitecture.TINY)
                .generatedClips(2, 2).extraEngineArg("enforce_eager", true).build();
        assertEquals(config, config.toBuilder().build());
    }

    @Test
    void aChosenArchitectureWinsOverTheMachine() {
        BenchmarkConfig config = BenchmarkConfig.builder(dir).architecture(BenchmarkArchitecture.TINY).build();
        assertEquals(BenchmarkArchitecture.TINY, MachineBenchmark.architectureFor(config, GPU));
    }

    @Test
    void thePublishedQwen25FolderHasThe7bConfigTheTinyTokenizerAndNoWeights() throws IOException {
        Path tiny = tinyModel(ModelVariant.QWEN.modelId());
        Path written = DummyModel.write(ModelVariant.QWEN, BenchmarkArchitecture.PUBLISHED, tiny, dir.resolve("out"));
        assertEquals(dir.resolve("out/Qwen/Qwen2.5-VL-7B-Instruct"), written);
        String config = Files.readString(written.resolve("config.json"));
        assertTrue(config.contains("\"hidden_size\": 3584"), config);
        assertTrue(config.contains("\"num_hidden_layers\": 28"), config);
        assertTrue(config.contains("\"fullatt_block_indexes\": [\n      7,"), config);
        assertTrue(config.contains("Qwen2_5_VLForConditionalGeneration"), config);
        assertTrue(Files.exists(written.resolve("tokenizer.json")));
        assertTrue(Files.exists(written.resolve("video_preprocessor_config.json")));
        assertFalse(Files.exists(written.resolve("model.safetensors")), "no weights: vLLM makes dummy ones");
        assertFalse(Files.exists(written.resolve("RANDOM_WEIGHTS.txt")));
    }

    @Test
    void thePublishedQwen3FolderHasThe8bConfig() throws IOException {
        Path tiny = tinyModel(ModelVariant.QWEN3.modelId());
        Path written = DummyModel.write(ModelVariant.QWEN3, BenchmarkArchitecture.PUBLISHED, tiny, dir.resolve("out"));
        String config = Files.readString(written.resolve("config.json"));
        assertTrue(config.contains("Qwen3VLForConditionalGeneration"), config);
        assertTrue(config.contains("\"hidden_size\": 4096"), config);
        assertTrue(config.contains("\"num_hidden_layers\": 36"), config);
        assertTrue(config.contains("\"deepstack_visual_indexes\""), config);
    }

    @Test
    void theTinyFolderKeepsTheTinyConfig() throws IOException {
        Path tiny = tinyModel(ModelVariant.QWEN.modelId());
        Path written = DummyModel.write(ModelVariant.QWEN, BenchmarkArchitecture.TINY, tiny, dir.resolve("out"));
        assertEquals("{\"hidden_size\": 128}", Files.readString(written.resolve("config.json")));
        assertFalse(Files.exists(written.resolve("model.safetensors")));
    }

    @Test
    void aMissingTinyModelIsReportedWithTheCommandThatMakesIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DummyModel.write(ModelVariant.QWEN, BenchmarkArchitecture.PUBLISHED, dir.resolve("nothing"), dir.resolve("out")));
        assertTrue(e.getMessage().contains("bash python/setup-e2e.sh"), e.getMessage());
        assertTrue(e.getMessage().contains("--tiny-model-dir"), e.getMessage());
    }

    @Test
    void aMissingTinyQwen3NamesItsOwnModel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DummyModel.write(ModelVariant.QWEN3, BenchmarkArchitecture.PUBLISHED, dir.resolve("nothing"), dir.resolve("out")));
        assertTrue(e.getMessage().contains("no tiny " + ModelVariant.QWEN3.modelId()), e.getMessage());
    }

    @Test
    void invalidSettingsAreListedTogether() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchmarkConfig.builder(dir)
                .generatedClips(0, 0).maxOutputTokens(0).precisions(List.of())
                .extraEngineArgs(Map.of("load_format", "auto")).build());
        for (String part : List.of("generatedClips", "clipSeconds", "maxOutputTokens", "precision", "load_format")) {
            assertTrue(e.getMessage().contains(part), e.getMessage());
        }
    }

    @Test
    void theReportPrintsEveryFigureOfARunAndTheReasonOfASkip() {
        PrecisionResult ran = new PrecisionResult(Precision.BF16, PrecisionResult.Status.RAN, "", 42.5, 4, 0, 8.0, 6.0,
                4000, 64, new MemoryReading("peak GPU memory used (nvidia-smi)", 3L << 30));
        BenchmarkReport report = new BenchmarkReport(GPU, ModelVariant.QWEN, BenchmarkArchitecture.PUBLISHED, 2, 16,
                List.of(PrecisionResult.skipped(Precision.FP8, "FP8 skipped: why"), ran));
        String text = String.join("\n", report.lines());
        assertTrue(text.contains("[fp8] skipped: FP8 skipped: why"), text);
        assertTrue(text.contains("[bf16] engine start: 42.50 s"), text);
        assertTrue(text.contains("[bf16] windows: 4 in 8.00 s (0 videos failed): 0.500 windows/s"), text);
        assertTrue(text.contains("[bf16] output tokens: 64: 8.0 tokens/s"), text);
        assertTrue(text.contains("[bf16] prompt (video) tokens: 4000: 500.0 tokens/s"), text);
        assertTrue(text.contains("[bf16] time split: decode+preprocess 2.00 s (25%), engine 6.00 s (75%)"), text);
        assertTrue(text.contains("[bf16] peak memory: peak GPU memory used (nvidia-smi): 3.00 GiB"), text);
    }
}
