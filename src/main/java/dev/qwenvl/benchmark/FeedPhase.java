package dev.qwenvl.benchmark;

import java.util.Locale;

/**
 * One measured pass of {@link FeedBenchmark}.
 *
 * @param key               short name in the report ({@code decode_1_lane}, {@code frontend}, ...)
 * @param what              what ran, in words
 * @param windows           windows captioned
 * @param failedVideos      videos that failed (their windows are not counted)
 * @param seconds           wall time of the pass, to the last caption
 * @param fedSeconds        wall time from the pass's start to the last request handed to an engine:
 *                          the feed's part; the rest is the engines finishing the last windows
 *                          (NaN when not measured)
 * @param pythonCpuSeconds  CPU time of the embedded interpreter's live Python threads during the pass
 *                          (NaN when not measured); a thread that ended during the pass (a decode
 *                          lane's Python thread ends with its video) is not in it
 * @param processCpuSeconds CPU time of the whole JVM process during the pass: every Java and Python
 *                          thread and FFmpeg's own threads (NaN when not measured)
 * @param childCpuSeconds   CPU time of the JVM's child processes during the pass: vLLM's engine-core
 *                          processes (NaN when not measured)
 * @param steps             engine steps that ran with work during the pass (0 for the Java-side engine)
 * @param batched           the sum of the running batch sizes over those steps
 * @param failure           why the pass did not run (its engine did not start), or null when it ran
 */
public record FeedPhase(String key, String what, int windows, int failedVideos, double seconds, double fedSeconds,
                        double pythonCpuSeconds, double processCpuSeconds, double childCpuSeconds,
                        long steps, long batched, String failure) {

    /** A pass measured by wall time and Python-thread CPU only. */
    public FeedPhase(String key, String what, int windows, int failedVideos, double seconds, double pythonCpuSeconds,
                     String failure) {
        this(key, what, windows, failedVideos, seconds, Double.NaN, pythonCpuSeconds, Double.NaN, Double.NaN, 0, 0, failure);
    }

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
     * Windows per second handed to the engines: windows / {@link #fedSeconds()}, the rate at which
     * the CPU fed them, without the engines' time for the last windows. NaN when not measured.
     */
    public double fedWindowsPerSecond() {
        return ran() && fedSeconds > 0 ? windows / fedSeconds : Double.NaN;
    }

    /**
     * Milliseconds of Python-thread CPU per window: the GIL time a window takes, plus the little
     * those threads run without the GIL (an upper bound). NaN when not measured.
     */
    public double pythonCpuMsPerWindow() {
        return perWindow(1000 * pythonCpuSeconds);
    }

    /** Milliseconds of the JVM process's CPU per window (all its threads). NaN when not measured. */
    public double processCpuMsPerWindow() {
        return perWindow(1000 * processCpuSeconds);
    }

    /** Milliseconds of the child processes' (engine cores') CPU per window. NaN when not measured. */
    public double childCpuMsPerWindow() {
        return perWindow(1000 * childCpuSeconds);
    }

    /** Engine steps per window (0 when no engine of vLLM ran). */
    public double stepsPerWindow() {
        return perWindow(steps);
    }

    /** Requests per engine step, on average (NaN without steps). */
    public double meanBatch() {
        return steps > 0 ? (double) batched / steps : Double.NaN;
    }

    private double perWindow(double total) {
        return ran() && windows > 0 ? total / windows : Double.NaN;
    }

    /** The pass as one report line. */
    String line() {
        if (!ran()) {
            return String.format(Locale.ROOT, "%s: did not run: %s", key, failure);
        }
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%s: %.2f windows/s (%d windows in %.2f s, "
                        + "%d videos failed", key, windowsPerSecond(), windows, seconds, failedVideos));
        if (!Double.isNaN(fedSeconds)) {
            s.append(String.format(Locale.ROOT, "; fed %.2f windows/s: the last handed to an engine at %.2f s",
                    fedWindowsPerSecond(), fedSeconds));
        }
        s.append(String.format(Locale.ROOT, "; Python threads' CPU %.1f ms per window", pythonCpuMsPerWindow()));
        if (!Double.isNaN(processCpuSeconds)) {
            s.append(String.format(Locale.ROOT, ", JVM process CPU %.1f ms", processCpuMsPerWindow()));
        }
        if (!Double.isNaN(childCpuSeconds)) {
            s.append(String.format(Locale.ROOT, ", engine-core processes' CPU %.1f ms", childCpuMsPerWindow()));
        }
        if (steps > 0) {
            s.append(String.format(Locale.ROOT, ", %.1f engine steps per window at %.2f requests per step",
                    stepsPerWindow(), meanBatch()));
        }
        return s.append(") - ").append(what).toString();
    }
}
