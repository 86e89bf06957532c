package dev.qwenvl.video;

/**
 * How a video is cut into windows and how many frames of each window reach the model. Immutable;
 * build with {@link #builder()} (every setting is optional and starts at the default below), use
 * {@link #defaults()}, or change values with {@link #toBuilder()}.
 *
 * <ul>
 *   <li>{@code windowFrames} (256): source frames per full window;
 *   <li>{@code minRemainderFrames} (128): a remainder at least this long becomes its own window,
 *       a shorter one extends the last window;
 *   <li>{@code samplingFps} (2.0): frames sampled per second of video;
 *   <li>{@code minSampledFrames} (4): fewest frames sampled from a window; a video with fewer
 *       source frames is rejected;
 *   <li>{@code maxSampledFrames} (768): most frames sampled from a window.
 * </ul>
 *
 * <p>Rules checked by the constructor (and so by {@link Builder#build()}): all counts positive, {@code minSampledFrames} and
 * {@code maxSampledFrames} even (the model merges frames in pairs),
 * {@code minSampledFrames <= maxSampledFrames}, {@code minSampledFrames <= minRemainderFrames <=
 * windowFrames}, {@code samplingFps} within {@link FrameRates}' range.
 *
 * @param windowFrames       source frames per full window
 * @param minRemainderFrames shortest remainder that becomes its own window
 * @param samplingFps        frames sampled per second of video
 * @param minSampledFrames   fewest frames sampled from a window
 * @param maxSampledFrames   most frames sampled from a window
 */
public record WindowingConfig(
        int windowFrames, int minRemainderFrames, double samplingFps, int minSampledFrames, int maxSampledFrames) {
    public static final int DEFAULT_WINDOW_FRAMES = 256;
    public static final int DEFAULT_MIN_REMAINDER_FRAMES = 128;
    public static final double DEFAULT_SAMPLING_FPS = 2.0;
    public static final int DEFAULT_MIN_SAMPLED_FRAMES = 4;
    public static final int DEFAULT_MAX_SAMPLED_FRAMES = 768;

    private static final WindowingConfig DEFAULTS = builder().build();

    /** @throws IllegalArgumentException naming the first rule broken */
    public WindowingConfig {
        require(windowFrames > 0, "windowFrames must be positive, got " + windowFrames);
        require(minSampledFrames > 0 && minSampledFrames % 2 == 0,
                "minSampledFrames must be a positive even number (frames are merged in pairs), got "
                        + minSampledFrames);
        require(maxSampledFrames > 0 && maxSampledFrames % 2 == 0,
                "maxSampledFrames must be a positive even number (frames are merged in pairs), got "
                        + maxSampledFrames);
        require(minSampledFrames <= maxSampledFrames, "minSampledFrames (" + minSampledFrames
                + ") must not exceed maxSampledFrames (" + maxSampledFrames + ")");
        require(minRemainderFrames >= minSampledFrames && minRemainderFrames <= windowFrames,
                "minRemainderFrames (" + minRemainderFrames + ") must lie between minSampledFrames ("
                        + minSampledFrames + ") and windowFrames (" + windowFrames + ")");
        require(FrameRates.isSane(samplingFps),
                "samplingFps must be a positive finite number " + FrameRates.range() + ", got " + samplingFps);
    }

    /** The seed's settings: 256 / 128 / 2.0 fps / 4 / 768. */
    public static WindowingConfig defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration's values. */
    public Builder toBuilder() {
        return new Builder()
                .windowFrames(windowFrames)
                .minRemainderFrames(minRemainderFrames)
                .samplingFps(samplingFps)
                .minSampledFrames(minSampledFrames)
                .maxSampledFrames(maxSampledFrames);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid windowing configuration: " + message);
        }
    }

    /** Mutable builder; {@link #build()} validates and throws {@link IllegalArgumentException}. */
    public static final class Builder {
        private int windowFrames = DEFAULT_WINDOW_FRAMES;
        private int minRemainderFrames = DEFAULT_MIN_REMAINDER_FRAMES;
        private double samplingFps = DEFAULT_SAMPLING_FPS;
        private int minSampledFrames = DEFAULT_MIN_SAMPLED_FRAMES;
        private int maxSampledFrames = DEFAULT_MAX_SAMPLED_FRAMES;

        private Builder() {}

        public Builder windowFrames(int value) {
            this.windowFrames = value;
            return this;
        }

        public Builder minRemainderFrames(int value) {
            this.minRemainderFrames = value;
            return this;
        }

        public Builder samplingFps(double value) {
            this.samplingFps = value;
            return this;
        }

        public Builder minSampledFrames(int value) {
            this.minSampledFrames = value;
            return this;
        }

        public Builder maxSampledFrames(int value) {
            this.maxSampledFrames = value;
            return this;
        }

        /** @throws IllegalArgumentException naming the first rule broken */
        public WindowingConfig build() {
            return new WindowingConfig(windowFrames, minRemainderFrames, samplingFps, minSampledFrames, maxSampledFrames);
        }
    }
}
