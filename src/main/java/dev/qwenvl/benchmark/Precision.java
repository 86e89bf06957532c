package dev.qwenvl.benchmark;

import java.util.Locale;

/** The weight precisions the benchmark compares: the seed's FP8 and unquantized BF16. */
public enum Precision {
    /** vLLM's {@code quantization="fp8"} (the seed's default); needs a GPU build of vLLM. */
    FP8,
    /** No quantization: the checkpoint's bfloat16. */
    BF16;

    /** {@code fp8} or {@code bf16}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code fp8} or {@code bf16} (case-insensitive). */
    public static Precision fromKey(String key) {
        for (Precision p : values()) {
            if (p.key().equalsIgnoreCase(key == null ? "" : key.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + key + "'; valid choices: fp8, bf16");
    }
}
