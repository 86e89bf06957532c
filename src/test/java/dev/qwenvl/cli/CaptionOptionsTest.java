package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.engine.Devices;
import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.video.WindowingConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every caption option's default is the library's default; options reach the library's config. */
class CaptionOptionsTest {

    private static CaptionCommand parse(String... args) {
        CaptionCommand command = new CaptionCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void everyDefaultEqualsTheLibrarysConstant() {
        CaptionCommand c = parse("in.mp4", "-o", "out.jsonl");
        QwenVlConfig config = c.modelConfig();
        CaptionSettings settings = c.captionSettings();
        QwenVlConfig library = QwenVlConfig.builder().modelDir(Path.of("models")).modelVariant(ModelVariant.QWEN)
                .captionBatchSize(QwenVL.DEFAULT_BATCH_SIZE).build();

        assertEquals(ModelVariant.QWEN, c.model.variant);
        assertEquals(QwenVlConfig.DEFAULT_FP8, c.fp8);
        assertEquals(QwenVlConfig.DEFAULT_MAX_OUTPUT_TOKENS, c.maxOutputTokens);
        assertEquals(QwenVlConfig.DEFAULT_MODEL_DOES_PREPROCESS, c.modelDoesPreprocess);
        assertEquals(QwenVlConfig.DEFAULT_DISABLE_MMCACHE, c.disableMmcache);
        assertNull(c.batchSize, "--batch-size is deprecated: no default");
        assertEquals(WindowingConfig.DEFAULT_WINDOW_FRAMES, c.windowFrames);
        assertEquals(WindowingConfig.DEFAULT_SAMPLING_FPS, c.samplingFps);
        assertEquals(PromptVariant.DEFAULT, c.promptVariant);
        assertNull(c.groupSize, "--group-size is deprecated: no default");
        assertEquals(List.of(), c.deprecationWarnings());
        assertFalse(c.stage2);
        assertNull(c.seed);
        if (System.getenv("QWENVL_MODEL_DIR") == null) {
            assertEquals(Path.of("models"), c.model.modelDir);
            assertEquals(library, config, "the CLI's defaults build the library's default config");
        }
        assertEquals(CaptionSettings.defaults(), settings);
    }

    @Test
    void optionsReachTheModelConfigAndCaptionSettings() {
        CaptionCommand c = parse("in.mp4", "-o", "o.jsonl", "--variant", "qwen3", "--model-dir", "/m", "--batch-size", "4",
                "--no-fp8", "--max-output-tokens", "64", "--model-does-preprocess", "--disable-mmcache", "--stage2",
                "--stage2-prompt", "Improve: ", "--prompt-variant", "driving", "--prompt", "Say what the car does.",
                "--sampling-fps", "1.5", "--window-frames", "64", "--seed", "7", "--engine-arg", "tensor_parallel_size=2",
                "--engine-arg", "dtype=bfloat16", "--engine-arg", "enforce_eager=true", "--engine-arg", "swap_space=0.5");
        QwenVlConfig config = c.modelConfig();
        assertEquals(ModelVariant.QWEN3, config.modelVariant());
        assertEquals(Path.of("/m"), config.modelDir());
        assertEquals(QwenVL.DEFAULT_BATCH_SIZE, config.captionBatchSize(), "--batch-size is ignored");
        assertTrue(c.deprecationWarnings().get(0).startsWith("--batch-size is deprecated and ignored"),
                c.deprecationWarnings().toString());
        assertFalse(config.fp8());
        assertEquals(64, config.maxOutputTokens());
        assertTrue(config.modelDoesPreprocess());
        assertTrue(config.disableMmcache());
        assertEquals("Improve: ", config.stage2PromptText());
        assertEquals(7, config.samplingSeed().orElseThrow());
        assertEquals(Map.of("tensor_parallel_size", 2, "dtype", "bfloat16", "enforce_eager", true, "swap_space", 0.5),
                config.extraEngineArgs());
        CaptionSettings s = c.captionSettings();
        assertEquals(PromptVariant.AV, s.promptVariant());
        assertEquals("Say what the car does.", s.promptText());
        assertTrue(s.stage2());
        assertEquals(64, s.windowing().windowFrames());
        assertEquals(32, s.windowing().minRemainderFrames(), "a remainder of half a window becomes its own window");
        assertEquals(1.5, s.windowing().samplingFps());
    }

    @Test
    void fp8CanBeTurnedOnExplicitly() {
        assertTrue(parse("in.mp4", "-o", "o", "--fp8").fp8);
        assertFalse(parse("in.mp4", "-o", "o", "--no-fp8").fp8);
    }

    @Test
    void theErrorsFileDefaultsToASiblingOfTheOutput() {
        assertEquals(Path.of("/d/caps.errors.jsonl"), CaptionCommand.defaultErrorsPath(Path.of("/d/caps.jsonl")));
        assertEquals(Path.of("caps.errors.jsonl"), CaptionCommand.defaultErrorsPath(Path.of("caps")));
    }

    @Test
    void engineArgumentValuesAreTyped() {
        assertEquals(3, EngineArgValues.value("3"));
        assertEquals(1L << 40, EngineArgValues.value(String.valueOf(1L << 40)));
        assertEquals(-0.25, EngineArgValues.value("-0.25"));
        assertEquals(1e-3, EngineArgValues.value("1e-3"));
        assertEquals(false, EngineArgValues.value("False"));
        assertEquals("auto", EngineArgValues.value("auto"));
        assertEquals("99999999999999999999", EngineArgValues.value("99999999999999999999"));
    }

    @Test
    void devicesSelectsOneEnginePerListedGroupAndDefaultsToOneUnpinnedEngine() {
        assertEquals(Devices.DEFAULT, parse("in.mp4", "-o", "o.jsonl").modelConfig().devices());
        assertEquals(Devices.ALL, parse("in.mp4", "-o", "o.jsonl", "--devices", "all").modelConfig().devices());
        assertEquals("0+1,2+3", parse("in.mp4", "-o", "o.jsonl", "--devices", "0+1,2+3").modelConfig().devices().toString());
        assertEquals(2, parse("in.mp4", "-o", "o.jsonl", "--devices=cpu,cpu").modelConfig().devices().groups().size());
        CliFailure bad = org.junit.jupiter.api.Assertions.assertThrows(CliFailure.class,
                () -> parse("in.mp4", "-o", "o.jsonl", "--devices", "0,,1").modelConfig());
        assertEquals(ExitCodes.CANNOT_START, bad.exitCode());
        assertTrue(bad.getMessage().contains("empty device"), bad.getMessage());
    }

    @Test
    void poolFillReachesTheModelConfigAndAFillBelowOneCannotStart() {
        assertEquals(4, parse("in.mp4", "-o", "o.jsonl").modelConfig().poolFill());
        assertEquals(1, parse("in.mp4", "-o", "o.jsonl", "--devices", "all", "--pool-fill", "1").modelConfig().poolFill());
        CliFailure bad = org.junit.jupiter.api.Assertions.assertThrows(CliFailure.class,
                () -> parse("in.mp4", "-o", "o.jsonl", "--pool-fill", "0").modelConfig());
        assertEquals(ExitCodes.CANNOT_START, bad.exitCode());
        assertTrue(bad.getMessage().contains("poolFill must be at least 1"), bad.getMessage());
    }
}
