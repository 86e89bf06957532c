package dev.qwenvl.model;

import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.SamplingParams;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place where the seed's engine and sampling numbers live, and the functions that turn a
 * {@link QwenVlConfig} into {@link EngineArgs} and {@link SamplingParams}.
 *
 * <p>Engine: one video and no image per prompt; quantization {@code "fp8"} or none; context 32768
 * tokens; 85% of accelerator memory; processor resize equal to {@code modelDoesPreprocess}
 * (exactly one side resizes), rescale and normalize on (vLLM's, once: frames travel as uint8); processor cache 4 GB, or 0 when {@code disableMmcache}; 32768
 * batched tokens per step. Sampling: temperature 0.1, top_p 0.001, repetition penalty 1.05,
 * {@code max_tokens = maxOutputTokens}, no stop token ids, the optional seed.
 */
public final class QwenVlSettings {

    public static final int VIDEOS_PER_PROMPT = 1;
    public static final int IMAGES_PER_PROMPT = 0;
    public static final String FP8_QUANTIZATION = "fp8";
    public static final int MAX_MODEL_LEN = 32768;
    public static final double GPU_MEMORY_UTILIZATION = 0.85;
    public static final int MM_PROCESSOR_CACHE_GB = 4;
    public static final int MAX_NUM_BATCHED_TOKENS = 32768;

    public static final double TEMPERATURE = 0.1;
    public static final double TOP_P = 0.001;
    public static final double REPETITION_PENALTY = 1.05;
    public static final List<Integer> STOP_TOKEN_IDS = List.of();

    private QwenVlSettings() {}

    /** The engine arguments for {@code config}. */
    public static EngineArgs engineArgs(QwenVlConfig config) {
        Map<String, Integer> limits = new LinkedHashMap<>();
        limits.put("image", IMAGES_PER_PROMPT);
        limits.put("video", VIDEOS_PER_PROMPT);
        boolean preprocess = config.modelDoesPreprocess();
        // Exactly one side resizes: the model's processor when it preprocesses, the library otherwise.
        // Rescaling and normalising are always vLLM's (in the processor, or on the device with
        // vLLM >= 0.32's mm_device_do_normalize), so frames travel as uint8 and are normalised once.
        Map<String, Object> processor = new LinkedHashMap<>();
        processor.put("do_resize", preprocess);
        processor.put("do_rescale", true);
        processor.put("do_normalize", true);
        return new EngineArgs(
                config.weightsPath().toString(),
                limits,
                config.fp8() ? FP8_QUANTIZATION : null,
                MAX_MODEL_LEN,
                GPU_MEMORY_UTILIZATION,
                processor,
                config.disableMmcache() ? 0 : MM_PROCESSOR_CACHE_GB,
                MAX_NUM_BATCHED_TOKENS,
                config.extraEngineArgs());
    }

    /** The sampling parameters for {@code config}. */
    public static SamplingParams samplingParams(QwenVlConfig config) {
        return new SamplingParams(TEMPERATURE, TOP_P, REPETITION_PENALTY, config.maxOutputTokens(),
                STOP_TOKEN_IDS, config.samplingSeed().orElse(null));
    }
}
