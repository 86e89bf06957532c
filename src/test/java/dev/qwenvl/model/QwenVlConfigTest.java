package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QwenVlConfigTest {

    private static QwenVlConfig.Builder minimal() {
        return QwenVlConfig.builder().modelDir(Path.of("/test/model/dir")).modelVariant("qwen2.5").captionBatchSize(4);
    }

    private static String problem(QwenVlConfig.Builder builder) {
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }

    @Test
    void defaultsAreTheSeeds() {
        QwenVlConfig c = minimal().build();
        assertEquals(Path.of("/test/model/dir"), c.modelDir());
        assertEquals(ModelVariant.QWEN, c.modelVariant());
        assertEquals(4, c.captionBatchSize());
        assertTrue(c.fp8());
        assertEquals(512, c.maxOutputTokens());
        assertFalse(c.modelDoesPreprocess());
        assertFalse(c.disableMmcache());
        assertFalse(c.verbose());
        assertFalse(c.hasCustomStage2PromptText());
        assertEquals(QwenVlConfig.DEFAULT_STAGE2_PROMPT_TEXT, c.stage2PromptText());
        assertEquals(Map.of(), c.extraEngineArgs());
        assertEquals(Optional.empty(), c.samplingSeed());
    }

    @Test
    void customValuesAreKept() {
        QwenVlConfig c = minimal().fp8(false).maxOutputTokens(1024).modelDoesPreprocess(true).disableMmcache(true)
                .stage2PromptText("Stage 2 prompt: ").verbose(true).samplingSeed(42)
                .extraEngineArg("tensor_parallel_size", 2).build();
        assertFalse(c.fp8());
        assertEquals(1024, c.maxOutputTokens());
        assertTrue(c.modelDoesPreprocess());
        assertTrue(c.disableMmcache());
        assertTrue(c.verbose());
        assertTrue(c.hasCustomStage2PromptText());
        assertEquals("Stage 2 prompt: ", c.stage2PromptText());
        assertEquals(Optional.of(42), c.samplingSeed());
        assertEquals(Map.of("tensor_parallel_size", 2), c.extraEngineArgs());
    }

    @Test
    void emptyStage2TextSelectsTheDefault() {
        QwenVlConfig c = minimal().stage2PromptText("").build();
        assertFalse(c.hasCustomStage2PromptText());
        assertEquals(QwenVlConfig.DEFAULT_STAGE2_PROMPT_TEXT, c.stage2PromptText());
    }

    @Test
    void weightsPathIsModelDirSlashModelId() {
        assertEquals(Path.of("/test/model/dir/Qwen/Qwen2.5-VL-7B-Instruct"), minimal().build().weightsPath());
        assertEquals(Path.of("/different/path/Qwen/Qwen3-VL-8B-Instruct"),
                minimal().modelDir(Path.of("/different/path")).modelVariant("qwen3").build().weightsPath());
        assertEquals("Qwen/Qwen3-VL-8B-Instruct", minimal().modelVariant(ModelVariant.QWEN3).build().modelId());
    }

    @Test
    void missingModelDirIsNamed() {
        assertTrue(problem(minimal().modelDir(null)).contains("modelDir is required"));
    }

    @Test
    void missingVariantListsTheChoices() {
        String msg = problem(QwenVlConfig.builder().modelDir(Path.of("/m")).captionBatchSize(1));
        assertTrue(msg.contains("modelVariant is required; valid choices: qwen, qwen2.5, qwen3"), msg);
    }

    @Test
    void unknownVariantIsNamedWithTheChoices() {
        String msg = problem(minimal().modelVariant("qwen4"));
        assertTrue(msg.contains("unknown model variant 'qwen4'; valid choices: qwen, qwen2.5, qwen3"), msg);
    }

    @Test
    void captionBatchSizeDefaultsToTheSeedsSixteenAndMustBePositive() {
        QwenVlConfig unset = QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen").build();
        assertEquals(QwenVL.DEFAULT_BATCH_SIZE, unset.captionBatchSize());
        assertEquals(16, unset.captionBatchSize());
        String zero = problem(minimal().captionBatchSize(0));
        assertTrue(zero.contains("captionBatchSize must be at least 1, got 0"), zero);
        String negative = problem(minimal().captionBatchSize(-3));
        assertTrue(negative.contains("captionBatchSize must be at least 1, got -3"), negative);
    }

    @Test
    void maxOutputTokensMustBePositive() {
        String msg = problem(minimal().maxOutputTokens(0));
        assertTrue(msg.contains("maxOutputTokens must be at least 1, got 0"), msg);
    }

    @Test
    void extraEngineArgsMayNotRepeatTheLibrarysOwnArguments() {
        String msg = problem(minimal().extraEngineArg("max_model_len", 4096));
        assertTrue(msg.contains("extraEngineArgs 'max_model_len' is set by the library"), msg);
        assertTrue(msg.contains("gpu_memory_utilization"), "lists the reserved names: " + msg);
    }

    @Test
    void extraEngineArgsNeedANameAndAValue() {
        assertTrue(problem(minimal().extraEngineArg(" ", 1)).contains("empty argument name"));
        assertTrue(problem(minimal().extraEngineArg("dtype", null)).contains("'dtype' has a null value"));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        String msg = problem(QwenVlConfig.builder().modelVariant("x").captionBatchSize(0).maxOutputTokens(-1));
        assertTrue(msg.startsWith("invalid QwenVL configuration: "), msg);
        assertTrue(msg.contains("modelDir"), msg);
        assertTrue(msg.contains("'x'"), msg);
        assertTrue(msg.contains("captionBatchSize"), msg);
        assertTrue(msg.contains("maxOutputTokens"), msg);
    }

    @Test
    void configIsImmutableAndRoundTripsThroughToBuilder() {
        QwenVlConfig.Builder builder = minimal().extraEngineArg("seed", 1);
        QwenVlConfig c = builder.build();
        builder.extraEngineArg("dtype", "bfloat16").captionBatchSize(99);
        assertEquals(Map.of("seed", 1), c.extraEngineArgs());
        assertEquals(4, c.captionBatchSize());
        assertThrows(UnsupportedOperationException.class, () -> c.extraEngineArgs().put("x", 1));
        assertEquals(c, c.toBuilder().build());
        assertEquals(c.hashCode(), c.toBuilder().build().hashCode());
    }

    @Test
    void theCanonicalConstructorChecksEveryValueAsTheBuilderDoes() {
        String msg = assertThrows(IllegalArgumentException.class, () -> new QwenVlConfig(null, null, 0, true, 0, false,
                false, null, false, Map.of("max_model_len", 1), Optional.empty(), null, 0)).getMessage();
        for (String named : new String[] {"modelDir", "modelVariant", "captionBatchSize", "maxOutputTokens", "poolFill",
                "'max_model_len'"}) {
            assertTrue(msg.contains(named), named + " in " + msg);
        }
        QwenVlConfig direct = new QwenVlConfig(Path.of("/test/model/dir"), ModelVariant.QWEN, 4, true, 512, false, false,
                "", false, null, null, null, dev.qwenvl.engine.EnginePool.Options.DEFAULT_FILL);
        assertEquals(minimal().build(), direct, "empty stage-2 text, null maps, seeds and devices mean the defaults");
    }

    @Test
    void toStringSaysWhetherTheStage2TextIsCustomWithoutPrintingIt() {
        String text = minimal().stage2PromptText("secret instruction").build().toString();
        assertTrue(text.contains("stage2PromptText=custom") && !text.contains("secret instruction"), text);
    }
}
