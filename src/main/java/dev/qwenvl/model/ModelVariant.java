package dev.qwenvl.model;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A supported Qwen vision-language model: one per family of the family description
 * ({@code qwenvl_bridge/families.json}), which holds its model id, pinned revision, keys and
 * vision geometry. Nothing about a family is written here: a family added to the description is a
 * variant ({@link #fromKey}, {@link #values()}) without a change to this class. {@link #QWEN} and
 * {@link #QWEN3} name the two the seed knows, for code that wants a constant.
 *
 * <p>One instance per family, so variants compare with {@code ==} as well as {@code equals}.
 */
public final class ModelVariant implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final List<ModelVariant> ALL = ModelFamily.all().stream().map(ModelVariant::new).toList();

    /** Qwen2.5-VL 7B Instruct; keys {@code qwen} and {@code qwen2.5}. */
    public static final ModelVariant QWEN = fromKey("qwen");

    /** Qwen3-VL 8B Instruct; key {@code qwen3}. */
    public static final ModelVariant QWEN3 = fromKey("qwen3");

    private final transient ModelFamily family;
    private final String key;

    private ModelVariant(ModelFamily family) {
        this.family = family;
        this.key = family.keys().get(0);
    }

    /** Every variant, in the order of the family description. */
    public static List<ModelVariant> values() {
        return ALL;
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

    /** The canonical key in capitals ({@code QWEN}, {@code QWEN3}), as the constants are named. */
    public String name() {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    @Override
    public String toString() {
        return name();
    }

    /** Every accepted key of every variant, in description order. */
    public static List<String> validKeys() {
        return ALL.stream().flatMap(v -> v.keys().stream()).collect(Collectors.toList());
    }

    /**
     * The variant for {@code key} (case-insensitive, surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the key and listing the valid keys
     */
    public static ModelVariant fromKey(String key) {
        if (key != null) {
            String k = key.trim().toLowerCase(Locale.ROOT);
            for (ModelVariant v : ALL) {
                if (v.keys().contains(k)) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("unknown model variant '" + key + "'; valid choices: "
                + String.join(", ", validKeys()));
    }

    /** Deserialised variants are the one instance of their family. */
    private Object readResolve() {
        return fromKey(key);
    }
}
