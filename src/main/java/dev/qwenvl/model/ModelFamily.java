package dev.qwenvl.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A model family as data: one entry of {@code qwenvl_bridge/families.json}, the description the
 * Python half reads too (it travels in the jar with the Python sources), so the two halves never
 * disagree on a family's numbers. Adding a family means adding an entry there (and its tests).
 *
 * @param keys configuration keys that select the family; the first is canonical
 * @param name display name
 * @param modelId HuggingFace model id, also the weights folder below the model directory
 * @param revision pinned weights revision
 * @param patchSize vision patch side in pixels
 * @param spatialMergeSize patches merged per side into one token
 * @param temporalPatchSize frames merged into one temporal patch
 * @param videoMinTokensPerFrame lower per-frame bound, in merged tokens
 * @param videoMaxTokensPerFrame upper per-frame bound, in merged tokens
 * @param videoWindowTokens a window's token budget (qwen-vl-utils' total pixels / factor^2)
 * @param imageMean normalisation mean per channel
 * @param imageStd normalisation standard deviation per channel
 * @param defaultSystemPrompt the system turn the chat format adds when the conversation has none;
 *     {@code null} when it adds none (Qwen3-VL)
 * @param promptTokensPerTemporalPatch text tokens the prompt spends per temporal patch besides
 *     the video tokens (Qwen3-VL's timestamps)
 * @param processorPixelBounds {@code per_frame} or {@code per_video}: what the model's own video
 *     processor bounds
 */
public record ModelFamily(
        List<String> keys,
        String name,
        String modelId,
        String revision,
        int patchSize,
        int spatialMergeSize,
        int temporalPatchSize,
        int videoMinTokensPerFrame,
        int videoMaxTokensPerFrame,
        int videoWindowTokens,
        List<Double> imageMean,
        List<Double> imageStd,
        String defaultSystemPrompt,
        int promptTokensPerTemporalPatch,
        String processorPixelBounds) {

    /** Where the description lives on the classpath (packaged with the Python half). */
    static final String RESOURCE = "/qwenvl-python/qwenvl_bridge/families.json";

    private static final List<ModelFamily> ALL = load();

    public ModelFamily {
        keys = List.copyOf(keys);
        imageMean = List.copyOf(imageMean);
        imageStd = List.copyOf(imageStd);
    }

    /** The canonical key. */
    public String key() {
        return keys.get(0);
    }

    /** Frame sides are multiples of this: one merged token covers factor x factor pixels. */
    public int factor() {
        return patchSize * spatialMergeSize;
    }

    /** Every family, in the order of the description. */
    public static List<ModelFamily> all() {
        return ALL;
    }

    /**
     * The family for {@code key} (any of its keys, case-insensitive, blanks ignored).
     *
     * @throws IllegalArgumentException naming the key and listing the valid keys
     */
    public static ModelFamily of(String key) {
        String k = key == null ? "" : key.trim().toLowerCase(Locale.ROOT);
        for (ModelFamily f : ALL) {
            if (f.keys.contains(k)) {
                return f;
            }
        }
        List<String> valid = new ArrayList<>();
        ALL.forEach(f -> valid.addAll(f.keys));
        throw new IllegalArgumentException("unknown model family '" + key + "'; valid choices: " + String.join(", ", valid));
    }

    private static List<ModelFamily> load() {
        String text;
        try (InputStream in = ModelFamily.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("The model family description " + RESOURCE
                        + " is missing from the classpath; the jar is incomplete: rebuild it with mvn package");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
        Map<String, Object> root = SimpleJson.parseObject(text);
        List<ModelFamily> families = new ArrayList<>();
        for (Object entry : (List<?>) root.get("families")) {
            families.add(fromJson((Map<?, ?>) entry));
        }
        return List.copyOf(families);
    }

    private static ModelFamily fromJson(Map<?, ?> m) {
        return new ModelFamily(strings(m.get("keys")), (String) m.get("name"), (String) m.get("model_id"),
                (String) m.get("revision"), integer(m, "patch_size"), integer(m, "spatial_merge_size"),
                integer(m, "temporal_patch_size"), integer(m, "video_min_tokens_per_frame"),
                integer(m, "video_max_tokens_per_frame"), integer(m, "video_window_tokens"), doubles(m.get("image_mean")),
                doubles(m.get("image_std")), (String) m.get("default_system_prompt"),
                integer(m, "prompt_tokens_per_temporal_patch"), (String) m.get("processor_pixel_bounds"));
    }

    private static int integer(Map<?, ?> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number n)) {
            throw new IllegalStateException(RESOURCE + ": " + key + " must be a number, got " + v);
        }
        return n.intValue();
    }

    private static List<String> strings(Object v) {
        return ((List<?>) v).stream().map(String::valueOf).toList();
    }

    private static List<Double> doubles(Object v) {
        return ((List<?>) v).stream().map(x -> ((Number) x).doubleValue()).toList();
    }
}
