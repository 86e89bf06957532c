package dev.qwenvl.benchmark;

import java.util.Locale;

/** Which dimensions the benchmark's model has (its weights are always vLLM's random dummy weights). */
public enum BenchmarkArchitecture {
    /** The published model's config (e.g. Qwen2.5-VL-7B-Instruct's): sizes a GPU for the real model. */
    PUBLISHED,
    /** The tiny generated model's config: runs on a CPU in seconds; how CI exercises the benchmark. */
    TINY;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code published} or {@code tiny} (case-insensitive). */
    public static BenchmarkArchitecture fromKey(String key) {
        for (BenchmarkArchitecture a : values()) {
            if (a.key().equalsIgnoreCase(key == null ? "" : key.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + key + "'; valid choices: published, tiny");
    }
}
