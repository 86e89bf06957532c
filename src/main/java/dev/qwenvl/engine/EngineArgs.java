package dev.qwenvl.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Arguments for constructing the engine ({@code vllm.LLM(**kwargs)}). Plain data: the model
 * layer decides the values (see {@code dev.qwenvl.model.QwenVlSettings}), the engine passes them on.
 *
 * @param model                 path of the weights directory
 * @param limitMmPerPrompt      items per modality per prompt, e.g. {image: 0, video: 1}
 * @param quantization          quantization method ("fp8") or {@code null} for none
 * @param maxModelLen           context length in tokens
 * @param gpuMemoryUtilization  fraction of accelerator memory the engine may take
 * @param mmProcessorKwargs     arguments for the multimodal processor (do_resize, ...)
 * @param mmProcessorCacheGb    multimodal processor cache size; 0 disables it
 * @param maxNumBatchedTokens   tokens per engine step
 * @param extra                 further engine arguments passed through as they are
 *                              (tensor_parallel_size, seed, dtype, ...); they may not repeat
 *                              a named argument
 */
public record EngineArgs(
        String model,
        Map<String, Integer> limitMmPerPrompt,
        String quantization,
        int maxModelLen,
        double gpuMemoryUtilization,
        Map<String, Object> mmProcessorKwargs,
        int mmProcessorCacheGb,
        int maxNumBatchedTokens,
        Map<String, Object> extra) {

    public EngineArgs {
        Objects.requireNonNull(model, "model");
        limitMmPerPrompt = Map.copyOf(Objects.requireNonNull(limitMmPerPrompt, "limitMmPerPrompt"));
        mmProcessorKwargs = Map.copyOf(Objects.requireNonNull(mmProcessorKwargs, "mmProcessorKwargs"));
        extra = extra == null ? Map.of() : Map.copyOf(extra);
        for (String name : extra.keySet()) {
            if (NAMED.contains(name)) {
                throw new IllegalArgumentException("extra engine argument '" + name
                        + "' repeats a named argument; set it through its own setting instead");
            }
        }
    }

    /**
     * The {@code vllm.LLM} arguments this record names, as vLLM names them, in {@link #toKwargs()}
     * order: the one list of the arguments the library sets itself, which {@code extra} (and a
     * config's pass-through arguments) may not repeat.
     */
    public static final List<String> NAMED = List.of("model", "limit_mm_per_prompt", "quantization",
            "max_model_len", "gpu_memory_utilization", "mm_processor_kwargs", "mm_processor_cache_gb",
            "max_num_batched_tokens");

    /**
     * The keyword arguments of {@code vllm.LLM}, named as vLLM names them. {@code quantization}
     * is present with a {@code null} value (Python {@code None}) when there is none.
     */
    public Map<String, Object> toKwargs() {
        Map<String, Object> kw = new LinkedHashMap<>();
        kw.put("model", model);
        kw.put("limit_mm_per_prompt", new LinkedHashMap<>(limitMmPerPrompt));
        kw.put("quantization", quantization);
        kw.put("max_model_len", maxModelLen);
        kw.put("gpu_memory_utilization", gpuMemoryUtilization);
        kw.put("mm_processor_kwargs", new LinkedHashMap<>(mmProcessorKwargs));
        kw.put("mm_processor_cache_gb", mmProcessorCacheGb);
        kw.put("max_num_batched_tokens", maxNumBatchedTokens);
        kw.putAll(new java.util.TreeMap<>(extra));
        return kw;
    }
}
