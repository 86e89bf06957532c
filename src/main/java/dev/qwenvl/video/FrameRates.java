package dev.qwenvl.video;

/**
 * The frame rates the library accepts, for a source video's rate and for the sampling rate alike:
 * from {@value #MIN_FPS} (one frame every 100 s, a slow time-lapse) to {@value #MAX_FPS} (a
 * high-speed camera). Rates outside that range are input errors (a header that says 1e-300 or
 * 1e300), refused before any decoding or model work.
 */
public final class FrameRates {
    /** Slowest accepted rate, frames per second. */
    public static final double MIN_FPS = 0.01;
    /** Fastest accepted rate, frames per second. */
    public static final double MAX_FPS = 1000.0;

    private FrameRates() {}

    /** Whether {@code fps} is finite and within [{@value #MIN_FPS}, {@value #MAX_FPS}]. */
    public static boolean isSane(double fps) {
        return Double.isFinite(fps) && fps >= MIN_FPS && fps <= MAX_FPS;
    }

    /** The accepted range, for messages. */
    public static String range() {
        return "between " + MIN_FPS + " and " + (int) MAX_FPS + " frames per second";
    }
}
