package dev.qwenvl.video;

/**
 * Qwen2.5-VL's frame-size rule ("smart resize"), mirrored from the Python half
 * ({@code qwenvl_bridge.video.smart_resize}), which is authoritative. Java uses it to estimate
 * sizes and tokens without Python.
 *
 * <p>For a frame of {@code height x width}:
 * <ol>
 *   <li>round each side to the nearest multiple of {@code factor} (28), ties to even as Python's
 *       {@code round} does, at least {@code factor};
 *   <li>if the area exceeds {@code maxPixels}, scale both sides by {@code sqrt(h*w / maxPixels)}
 *       and round each <b>down</b> to a multiple of the factor (at least the factor);
 *   <li>else if the area is below {@code minPixels}, scale up by {@code sqrt(minPixels / (h*w))}
 *       and round each <b>up</b> to a multiple of the factor.
 * </ol>
 * Aspect ratio is kept up to the rounding. For a video window of {@code frames} frames the
 * per-frame maximum is {@code max(min(maxPixels, totalPixels / frames), minPixels)}: the total
 * budget is divided by the frame count, and the per-frame minimum wins over the budget.
 */
public final class QwenResize {
    public static final int FACTOR = 28;
    public static final int MIN_PIXELS = 128 * 28 * 28;
    public static final int MAX_PIXELS = 768 * 28 * 28;
    public static final int TOTAL_PIXELS = 24576 * 28 * 28;

    private QwenResize() {}

    /** Target {height, width} for one frame (rule in the class comment). */
    public static int[] smartResize(int height, int width, int factor, long minPixels, long maxPixels) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("frame size must be positive, got " + width + "x" + height);
        }
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > VideoSource.MAX_ASPECT_RATIO) {
            throw new IllegalArgumentException("aspect ratio " + ratio + " of " + width + "x" + height
                    + " is over " + VideoSource.MAX_ASPECT_RATIO);
        }
        int h = Math.max(factor, roundBy(height, factor));
        int w = Math.max(factor, roundBy(width, factor));
        if ((long) h * w > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            h = Math.max(factor, floorBy(height / beta, factor));
            w = Math.max(factor, floorBy(width / beta, factor));
        } else if ((long) h * w < minPixels) {
            double beta = Math.sqrt(minPixels / ((double) height * width));
            h = ceilBy(height * beta, factor);
            w = ceilBy(width * beta, factor);
        }
        return new int[] {h, w};
    }

    /** Target {height, width} for every frame of a window of {@code frames} frames, with the defaults. */
    public static int[] forWindow(int height, int width, int frames) {
        return smartResize(height, width, FACTOR, MIN_PIXELS, perFrameMaxPixels(frames, MIN_PIXELS, MAX_PIXELS, TOTAL_PIXELS));
    }

    /** {@code max(min(maxPixels, totalPixels / frames), minPixels)}. */
    public static long perFrameMaxPixels(int frames, long minPixels, long maxPixels, long totalPixels) {
        if (frames <= 0) {
            throw new IllegalArgumentException("frames must be positive, got " + frames);
        }
        return Math.max(Math.min(maxPixels, totalPixels / frames), minPixels);
    }

    static int roundBy(double value, int factor) {
        return (int) Math.rint(value / factor) * factor;
    }

    static int floorBy(double value, int factor) {
        return (int) Math.floor(value / factor) * factor;
    }

    static int ceilBy(double value, int factor) {
        return (int) Math.ceil(value / factor) * factor;
    }
}
