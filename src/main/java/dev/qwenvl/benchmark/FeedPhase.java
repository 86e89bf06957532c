package dev.qwenvl.benchmark;

import java.util.Locale;

/**
 * One measured pass of {@link FeedBenchmark}.
 *
 * @param key              short name in the report ({@code decode_1_lane}, {@code frontend}, ...)
 * @param what             what ran, in words
 * @param windows          windows captioned
 * @param failedVideos     videos that failed (their windows are not counted)
 * @param seconds          wall time of the pass
 * @param pythonCpuSeconds CPU time of the embedded interpreter's Python threads during the pass
 *                         (NaN when not measured)
 * @param failure          why the pass did not run (its engine did not start), or null when it ran
 */
public record FeedPhase(String key, String what, int windows, int failedVideos, double seconds,
                        double pythonCpuSeconds, String failure) {

    /** A pass that could not run. */
    static FeedPhase failed(String key, String what, String why) {
        return new FeedPhase(key, what, 0, 0, Double.NaN, Double.NaN, why);
    }

    public boolean ran() {
        return failure == null;
    }

    /** Windows per second; NaN when the pass did not run or took no time. */
    public double windowsPerSecond() {
        return ran() && seconds > 0 ? windows / seconds : Double.NaN;
    }

    /**
     * Milliseconds of Python-thread CPU per window: the GIL time a window takes, plus the little
     * those threads run without the GIL (an upper bound). NaN when not measured.
     */
    public double pythonCpuMsPerWindow() {
        return ran() && windows > 0 ? 1000 * pythonCpuSeconds / windows : Double.NaN;
    }

    /** The pass as one report line. */
    String line() {
        if (!ran()) {
            return String.format(Locale.ROOT, "%s: did not run: %s", key, failure);
        }
        return String.format(Locale.ROOT, "%s: %.2f windows/s (%d windows in %.2f s, %d videos failed; "
                        + "Python threads' CPU %.1f ms per window) - %s",
                key, windowsPerSecond(), windows, seconds, failedVideos, pythonCpuMsPerWindow(), what);
    }
}
