package dev.qwenvl.engine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Pixel bounds a window carries when the model's own processor resizes its frames (the model
 * preprocesses): the processor scales the window so that its area lies between the bounds.
 *
 * @param minPixels lower bound of the area the processor keeps, at least 1
 * @param maxPixels upper bound, at least {@code minPixels}
 * @param perVideo  {@code true} when the bounds cover the whole clip (frames x height x width,
 *                  Qwen3-VL's processor) instead of each frame (Qwen2.5-VL's)
 */
public record PixelBounds(long minPixels, long maxPixels, boolean perVideo) {

    public PixelBounds {
        if (minPixels < 1 || maxPixels < minPixels) {
            throw new IllegalArgumentException("pixel bounds need 1 <= minPixels <= maxPixels, got "
                    + minPixels + ".." + maxPixels);
        }
    }

    /** The processor arguments of vLLM's Qwen-VL video processors that carry these bounds. */
    public Map<String, Object> processorKwargs() {
        Map<String, Object> kw = new LinkedHashMap<>();
        kw.put("min_pixels", minPixels);
        kw.put("max_pixels", maxPixels);
        if (perVideo) {
            kw.put("cap_pixels_per_frame", false);
        }
        return kw;
    }

    /**
     * The bounds among a decoder's processor arguments ({@code min_pixels}, {@code max_pixels},
     * {@code cap_pixels_per_frame}), or {@code null} when they carry none (the frames were resized
     * already).
     *
     * @throws IllegalArgumentException when the arguments hold anything else, or half the bounds
     */
    public static PixelBounds fromProcessorKwargs(Map<String, ?> kwargs) {
        if (kwargs == null || kwargs.isEmpty()) {
            return null;
        }
        for (String key : kwargs.keySet()) {
            if (!key.equals("min_pixels") && !key.equals("max_pixels") && !key.equals("cap_pixels_per_frame")) {
                throw new IllegalArgumentException("unexpected processor argument '" + key + "' in " + kwargs
                        + "; a window carries only min_pixels, max_pixels and cap_pixels_per_frame");
            }
        }
        if (!(kwargs.get("min_pixels") instanceof Number min) || !(kwargs.get("max_pixels") instanceof Number max)) {
            throw new IllegalArgumentException("processor arguments " + kwargs + " need both min_pixels and max_pixels");
        }
        return new PixelBounds(min.longValue(), max.longValue(), Boolean.FALSE.equals(kwargs.get("cap_pixels_per_frame")));
    }
}
