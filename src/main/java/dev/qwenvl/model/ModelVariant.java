package dev.qwenvl.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The supported Qwen vision-language models, each with the HuggingFace id and the revision whose
 * weights the library is tested with.
 */
public enum ModelVariant {

    /** Qwen2.5-VL 7B Instruct; keys {@code qwen} and {@code qwen2.5}. */
    QWEN("Qwen/Qwen2.5-VL-7B-Instruct", "cc59489", "qwen", "qwen2.5"),

    /** Qwen3-VL 8B Instruct; key {@code qwen3}. */
    QWEN3("Qwen/Qwen3-VL-8B-Instruct", "0c351dd", "qwen3");

    private final String modelId;
    private final String revision;
    private final List<String> keys;

    ModelVariant(String modelId, String revision, String... keys) {
        this.modelId = modelId;
        this.revision = revision;
        this.keys = List.of(keys);
    }

    /** HuggingFace model id, also the weights folder below the model directory. */
    public String modelId() {
        return modelId;
    }

    /** The weights revision (git commit of the HuggingFace repository). */
    public String revision() {
        return revision;
    }

    /** The configuration keys that select this variant; the first is the canonical one. */
    public List<String> keys() {
        return keys;
    }

    /** Every accepted key of every variant, in declaration order. */
    public static List<String> validKeys() {
        return Arrays.stream(values()).flatMap(v -> v.keys.stream()).collect(Collectors.toList());
    }

    /**
     * The variant for {@code key} (case-insensitive, surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the key and listing the valid keys
     */
    public static ModelVariant fromKey(String key) {
        if (key != null) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            for (ModelVariant v : values()) {
                if (v.keys.contains(k)) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("unknown model variant '" + key + "'; valid choices: "
                + String.join(", ", validKeys()));
    }
}
