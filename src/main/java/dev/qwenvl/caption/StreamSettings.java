package dev.qwenvl.caption;

/**
 * Settings of {@link VideoCaptioner#stream}.
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
}
