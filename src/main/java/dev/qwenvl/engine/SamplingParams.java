package dev.qwenvl.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Sampling settings of one generate call ({@code vllm.SamplingParams(**kwargs)}).
 *
 * @param seed per-request seed, or {@code null} to leave it to the engine
 */
public record SamplingParams(
        double temperature,
        double topP,
        double repetitionPenalty,
        int maxTokens,
        List<Integer> stopTokenIds,
        Integer seed) {

    public SamplingParams {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
    }

    /** The keyword arguments of {@code vllm.SamplingParams}; {@code seed} only when set. */
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
        return kw;
    }
}
