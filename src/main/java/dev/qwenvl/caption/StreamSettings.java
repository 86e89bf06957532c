package dev.qwenvl.caption;

/**
 * Settings of {@link VideoCaptioner#stream}; build with {@link #builder()} or use {@link #defaults()}.
 *
 * @param framesInFlightBytes the most bytes of prepared frames the stream holds at once (decoded,
 *                            waiting for the engine or in it); the next video is prepared only
 *                            when its frames fit, or when nothing else is in flight (a single
 *                            video larger than the budget still runs, alone). Default
 *                            {@link #DEFAULT_FRAMES_IN_FLIGHT_BYTES}.
 */
public record StreamSettings(long framesInFlightBytes) {
    /** 1 GiB: tens of windows of preprocessed frames ahead of the engine, flat over any run length. */
    public static final long DEFAULT_FRAMES_IN_FLIGHT_BYTES = 1L << 30;

    public StreamSettings {
        if (framesInFlightBytes < 1) {
            throw new IllegalArgumentException("framesInFlightBytes must be positive, got " + framesInFlightBytes);
        }
    }

    public static StreamSettings defaults() {
        return new StreamSettings(DEFAULT_FRAMES_IN_FLIGHT_BYTES);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with these settings. */
    public Builder toBuilder() {
        return new Builder().framesInFlightBytes(framesInFlightBytes);
    }

    /** Collects values for {@link StreamSettings}, starting at the defaults; not thread-safe. */
    public static final class Builder {
        private long framesInFlightBytes = DEFAULT_FRAMES_IN_FLIGHT_BYTES;

        private Builder() {}

        /** Default {@link #DEFAULT_FRAMES_IN_FLIGHT_BYTES}. */
        public Builder framesInFlightBytes(long value) {
            this.framesInFlightBytes = value;
            return this;
        }

        /** @throws IllegalArgumentException when the budget is not positive */
        public StreamSettings build() {
            return new StreamSettings(framesInFlightBytes);
        }
    }
}
