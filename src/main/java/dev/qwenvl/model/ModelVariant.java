package dev.qwenvl.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The supported Qwen vision-language models. Each constant is a {@link ModelFamily} from the
 * family description ({@code qwenvl_bridge/families.json}), which holds its model id, pinned
 * revision, keys and vision geometry; nothing about a family is written here.
 */
public enum ModelVariant {

    /** Qwen2.5-VL 7B Instruct; keys {@code qwen} and {@code qwen2.5}. */
    QWEN("qwen"),

    /** Qwen3-VL 8B Instruct; key {@code qwen3}. */
    QWEN3("qwen3");

    private final ModelFamily family;

    ModelVariant(String familyKey) {
        this.family = ModelFamily.of(familyKey);
    }

    /** The family description of this variant. */
    public ModelFamily family() {
        return family;
    }

    /** HuggingFace model id, also the weights folder below the model directory. */
    public String modelId() {
        return family.modelId();
    }

    /** The weights revision (git commit of the HuggingFace repository). */
    public String revision() {
        return family.revision();
    }

    /** The configuration keys that select this variant; the first is the canonical one. */
    public List<String> keys() {
        return family.keys();
    }

    /** Every accepted key of every variant, in declaration order. */
    public static List<String> validKeys() {
        return Arrays.stream(values()).flatMap(v -> v.keys().stream()).collect(Collectors.toList());
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
                if (v.keys().contains(k)) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("unknown model variant '" + key + "'; valid choices: "
                + String.join(", ", validKeys()));
    }
}
