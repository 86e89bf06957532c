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
 * @param jsonSchema constrain the output to one JSON value valid against this schema (vLLM's
 *                   structured outputs), or {@code null} for free text
 */
public record SamplingParams(
        double temperature,
        double topP,
        double repetitionPenalty,
        int maxTokens,
        List<Integer> stopTokenIds,
        Integer seed,
        boolean ignoreEos,
        JsonSchemaOutput jsonSchema) {

    /** The {@link #toKwargs()} key of the JSON Schema (text): the Python half turns it into vLLM's structured outputs. */
    public static final String JSON_SCHEMA_KWARG = "json_schema";

    public SamplingParams {
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, got " + maxTokens);
        }
        stopTokenIds = stopTokenIds == null ? List.of() : List.copyOf(stopTokenIds);
    }

    /** Free-text sampling ({@code jsonSchema} null). */
    public SamplingParams(double temperature, double topP, double repetitionPenalty, int maxTokens,
                          List<Integer> stopTokenIds, Integer seed, boolean ignoreEos) {
        this(temperature, topP, repetitionPenalty, maxTokens, stopTokenIds, seed, ignoreEos, null);
    }

    /** Sampling that stops at the end-of-sequence token (the caption path's). */
    public SamplingParams(double temperature, double topP, double repetitionPenalty, int maxTokens,
                          List<Integer> stopTokenIds, Integer seed) {
        this(temperature, topP, repetitionPenalty, maxTokens, stopTokenIds, seed, false);
    }

    /** The same sampling with {@code ignoreEos} set as given. */
    public SamplingParams withIgnoreEos(boolean ignore) {
        return new SamplingParams(temperature, topP, repetitionPenalty, maxTokens, stopTokenIds, seed, ignore, jsonSchema);
    }

    /** The same sampling constrained to {@code schema} ({@code null}: free text). */
    public SamplingParams withJsonSchema(JsonSchemaOutput schema) {
        return new SamplingParams(temperature, topP, repetitionPenalty, maxTokens, stopTokenIds, seed, ignoreEos, schema);
    }

    /**
     * The keyword arguments of {@code vllm.SamplingParams}; {@code seed} and {@code ignore_eos} only
     * when set; with a schema, {@link #JSON_SCHEMA_KWARG} holds its text (the Python half's
     * {@code vllm_api.sampling_params} translates it to the installed vLLM's structured outputs).
     */
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
        if (jsonSchema != null) {
            kw.put(JSON_SCHEMA_KWARG, jsonSchema.schema());
        }
        return kw;
    }
}
