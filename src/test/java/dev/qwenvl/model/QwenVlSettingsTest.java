package dev.qwenvl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QwenVlSettingsTest {

    private static final String WEIGHTS = Path.of("/test/model/dir/Qwen/Qwen2.5-VL-7B-Instruct").toString();

    private static QwenVlConfig.Builder config() {
        return QwenVlConfig.builder().modelDir(Path.of("/test/model/dir")).modelVariant("qwen").captionBatchSize(4);
    }

    private static Map<String, Object> expectedEngineKwargs(String quantization, boolean preprocess, int cacheGb) {
        Map<String, Object> kw = new HashMap<>();
        kw.put("model", WEIGHTS);
        kw.put("limit_mm_per_prompt", Map.of("image", 0, "video", 1));
        kw.put("quantization", quantization);
        kw.put("max_model_len", 32768);
        kw.put("gpu_memory_utilization", 0.85);
        // one side resizes (the model only when it preprocesses); vLLM always rescales and normalises, once
        kw.put("mm_processor_kwargs", Map.of("do_resize", preprocess, "do_rescale", true, "do_normalize", true));
        kw.put("mm_processor_cache_gb", cacheGb);
        kw.put("max_num_batched_tokens", 32768);
        return kw;
    }

    @Test
    void engineKwargsWithFp8AndCacheAreExactlyTheSeeds() {
        assertEquals(expectedEngineKwargs("fp8", false, 4), QwenVlSettings.engineArgs(config().build()).toKwargs());
    }

    @Test
    void engineKwargsWithoutFp8HaveNoneQuantization() {
        Map<String, Object> kw = QwenVlSettings.engineArgs(config().fp8(false).build()).toKwargs();
        assertEquals(expectedEngineKwargs(null, false, 4), kw);
        assertEquals(true, kw.containsKey("quantization"), "quantization is passed as None, not left out");
    }

    @Test
    void engineKwargsWithModelPreprocessingAndCacheDisabled() {
        assertEquals(expectedEngineKwargs("fp8", true, 0),
                QwenVlSettings.engineArgs(config().modelDoesPreprocess(true).disableMmcache(true).build()).toKwargs());
    }

    @Test
    void engineKwargsWithoutFp8AndCacheDisabled() {
        assertEquals(expectedEngineKwargs(null, false, 0),
                QwenVlSettings.engineArgs(config().fp8(false).disableMmcache(true).build()).toKwargs());
    }

    @Test
    void extraEngineArgsArePassedThrough() {
        Map<String, Object> expected = expectedEngineKwargs("fp8", false, 4);
        expected.put("tensor_parallel_size", 2);
        expected.put("seed", 7);
        expected.put("dtype", "bfloat16");
        QwenVlConfig c = config().extraEngineArgs(Map.of("tensor_parallel_size", 2, "seed", 7, "dtype", "bfloat16")).build();
        assertEquals(expected, QwenVlSettings.engineArgs(c).toKwargs());
    }

    @Test
    void engineModelIsTheQwen3WeightsPathForQwen3() {
        Map<String, Object> kw = QwenVlSettings.engineArgs(config().modelVariant("qwen3").build()).toKwargs();
        assertEquals(Path.of("/test/model/dir/Qwen/Qwen3-VL-8B-Instruct").toString(), kw.get("model"));
    }

    @Test
    void samplingKwargsAreExactlyTheSeeds() {
        Map<String, Object> expected = Map.of("temperature", 0.1, "top_p", 0.001, "repetition_penalty", 1.05,
                "max_tokens", 512, "stop_token_ids", List.of());
        assertEquals(expected, QwenVlSettings.samplingParams(config().build()).toKwargs());
    }

    @Test
    void samplingMaxTokensFollowsMaxOutputTokens() {
        Map<String, Object> expected = Map.of("temperature", 0.1, "top_p", 0.001, "repetition_penalty", 1.05,
                "max_tokens", 256, "stop_token_ids", List.of());
        assertEquals(expected, QwenVlSettings.samplingParams(config().maxOutputTokens(256).build()).toKwargs());
    }

    @Test
    void samplingSeedIsAddedOnlyWhenSet() {
        Map<String, Object> expected = Map.of("temperature", 0.1, "top_p", 0.001, "repetition_penalty", 1.05,
                "max_tokens", 512, "stop_token_ids", List.of(), "seed", 1234);
        assertEquals(expected, QwenVlSettings.samplingParams(config().samplingSeed(1234).build()).toKwargs());
    }
}
