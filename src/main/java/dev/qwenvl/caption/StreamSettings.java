package dev.qwenvl.caption;

/**
 * Settings of {@link VideoCaptioner#stream} (and of {@link VideoCaptioner#caption}, which is the
 * stream collected); build with {@link #builder()} or use {@link #defaults()}.
 *
 * @param framesInFlightBytes the most bytes of prepared frames the stream holds at once (decoded,
 *                            waiting for the engine or in it); the next video is prepared only
 *                            when its frames fit, or when nothing else is in flight (a single
 *                            video larger than the budget still runs, alone). Default
 *                            {@link #DEFAULT_FRAMES_IN_FLIGHT_BYTES}.
 * @param engineRestarts      how many times one stream restarts an engine whose process died,
 *                            each time submitting again every request that was in flight at the
 *                            death (each request at most once more); 0 never restarts. Default
 *                            {@link #DEFAULT_ENGINE_RESTARTS}.
 * @param decodeThreads       how many videos are probed and decoded at once (decode lanes, each a
 *                            Python thread running FFmpeg without the GIL), all within the frame
 *                            budget; the lanes serve every engine of a pool. Default
 *                            {@link #defaultDecodeThreads()}.
 */
public record StreamSettings(long framesInFlightBytes, int engineRestarts, int decodeThreads) {
    /** 1 GiB: tens of windows of preprocessed frames ahead of the engine, flat over any run length. */
    public static final long DEFAULT_FRAMES_IN_FLIGHT_BYTES = 1L << 30;
    /** One restart per stream: an engine that dies twice in one run is more likely broken than unlucky. */
    public static final int DEFAULT_ENGINE_RESTARTS = 1;

    public StreamSettings {
        if (framesInFlightBytes < 1) {
            throw new IllegalArgumentException("framesInFlightBytes must be positive, got " + framesInFlightBytes);
        }
        if (engineRestarts < 0) {
            throw new IllegalArgumentException("engineRestarts must be 0 (never restart) or more, got " + engineRestarts);
        }
        if (decodeThreads < 1) {
            throw new IllegalArgumentException("decodeThreads must be 1 or more, got " + decodeThreads);
        }
    }

    /** A frame budget with the default restart policy and decode lanes. */
    public StreamSettings(long framesInFlightBytes) {
        this(framesInFlightBytes, DEFAULT_ENGINE_RESTARTS);
    }

    /** A frame budget and restart policy with the default decode lanes. */
    public StreamSettings(long framesInFlightBytes, int engineRestarts) {
        this(framesInFlightBytes, engineRestarts, defaultDecodeThreads());
    }

    public static StreamSettings defaults() {
        return new StreamSettings(DEFAULT_FRAMES_IN_FLIGHT_BYTES, DEFAULT_ENGINE_RESTARTS, defaultDecodeThreads());
    }

    /**
     * Half the cores this JVM may use, at least 1 and at most 8. Each lane's FFmpeg gets
     * {@code max(1, cores / lanes)} threads ({@link dev.qwenvl.video.DecodeLane#codecThreads}), 2 at this
     * default, so lanes x threads fits the cores; the other half is left to the engines' frontends (Python
     * threads under the same GIL), vLLM's engine-core processes and the JVM. The cap: every lane holds a
     * video's frames against the budget, and eight videos in flight already keep the engines fed.
     */
    public static int defaultDecodeThreads() {
        return Math.max(1, Math.min(8, Runtime.getRuntime().availableProcessors() / 2));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().framesInFlightBytes(framesInFlightBytes).engineRestarts(engineRestarts).decodeThreads(decodeThreads);
    }

    /** Collects values for {@link StreamSettings}, starting at the defaults; not thread-safe. */
    public static final class Builder {
        private long framesInFlightBytes = DEFAULT_FRAMES_IN_FLIGHT_BYTES;
        private int engineRestarts = DEFAULT_ENGINE_RESTARTS;
        private int decodeThreads = defaultDecodeThreads();

        private Builder() {}

        /** Default {@link #DEFAULT_FRAMES_IN_FLIGHT_BYTES}. */
        public Builder framesInFlightBytes(long value) {
            this.framesInFlightBytes = value;
            return this;
        }

        /** Default {@link #DEFAULT_ENGINE_RESTARTS}; 0 never restarts (an engine death then loses its windows). */
        public Builder engineRestarts(int value) {
            this.engineRestarts = value;
            return this;
        }

        /** Default {@link #defaultDecodeThreads()}; 1 decodes one video at a time. */
        public Builder decodeThreads(int value) {
            this.decodeThreads = value;
            return this;
        }

        /** @throws IllegalArgumentException when the budget is not positive, the restarts negative or the lanes below 1 */
        public StreamSettings build() {
            return new StreamSettings(framesInFlightBytes, engineRestarts, decodeThreads);
        }
    }
}
