package dev.qwenvl.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sampling settings of one generate call ({@code vllm.SamplingParams(**kwargs)}).
 *
 * @param seed      per-request seed, or {@code null} to leave it to the engine
 * @param ignoreEos  keep generating past the end-of-sequence token up to {@code maxTokens}
 *                   (benchmarks use it for a fixed output length; captions never do)
 */
public record SamplingParams(
        double temperature,
        double topP,
        double repetitionPenalty,
        int maxTokens,
        List<Integer> stopTokenIds,
        Integer seed,
        boolean ignoreEos) {

    public SamplingParams {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
    }

    /** Sampling that stops at the end-of-sequence token (the caption path's). */
    public SamplingParams(double temperature, double topP, double repetitionPenalty, int maxTokens,
                          List<Integer> stopTokenIds, Integer seed) {
        this(temperature, topP, repetitionPenalty, maxTokens, stopTokenIds, seed, false);
    }

    /** The same sampling with {@code ignoreEos} set as given. */
    public SamplingParams withIgnoreEos(boolean ignore) {
        return new SamplingParams(temperature, topP, repetitionPenalty, maxTokens, stopTokenIds, seed, ignore);
    }

    /** The keyword arguments of {@code vllm.SamplingParams}; {@code seed} and {@code ignore_eos} only when set. */
    public Map<String, Object> toKwargs() {
        Map<String, Object> kw = new LinkedHashMap<>();
        kw.put("temperature", temperature);
        kw.put("top_p", topP);
        kw.put("repetition_penalty", repetitionPenalty);
        kw.put("max_tokens", maxTokens);
        kw.put("stop_token_ids", List.copyOf(stopTokenIds));
        if (seed != null) {
            kw.put("seed", seed);
        }
        if (ignoreEos) {
            kw.put("ignore_eos", true);
        }
        return kw;
    }
}
