package dev.qwenvl.benchmark;

/**
 * One precision's run: how long the engine took to start, and what one pass over the clips gave.
 *
 * @param precision          the precision
 * @param status             ran, skipped or failed
 * @param reason             why it was skipped or failed; empty when it ran
 * @param engineStartSeconds {@code QwenVL.setup()}: vLLM's start, dummy weights, compile, KV cache
 * @param windows            windows captioned
 * @param failedVideos       videos with a failed window (their errors are in the log)
 * @param totalSeconds       the caption pass: decode, preprocess, prompts and engine calls
 * @param engineSeconds      time inside engine calls (generate with token counts)
 * @param promptTokens       prompt tokens vLLM saw, video tokens included
 * @param outputTokens       generated tokens
 * @param peakMemory         peak accelerator memory (or resident memory on a CPU)
 * @param structured         the constrained pass on the same engine ({@code --caption-schema}), or null
 */
public record PrecisionResult(Precision precision, Status status, String reason, double engineStartSeconds,
                              int windows, int failedVideos, double totalSeconds, double engineSeconds,
                              long promptTokens, long outputTokens, MemoryReading peakMemory, StructuredPass structured) {

    /** A run without a constrained pass. */
    public PrecisionResult(Precision precision, Status status, String reason, double engineStartSeconds,
                           int windows, int failedVideos, double totalSeconds, double engineSeconds,
                           long promptTokens, long outputTokens, MemoryReading peakMemory) {
        this(precision, status, reason, engineStartSeconds, windows, failedVideos, totalSeconds, engineSeconds,
                promptTokens, outputTokens, peakMemory, null);
    }

    public enum Status { RAN, SKIPPED, FAILED }

    static PrecisionResult skipped(Precision p, String reason) {
        return new PrecisionResult(p, Status.SKIPPED, reason, 0, 0, 0, 0, 0, 0, 0, new MemoryReading("not run", -1));
    }

    static PrecisionResult failed(Precision p, String reason, double engineStartSeconds) {
        return new PrecisionResult(p, Status.FAILED, reason, engineStartSeconds, 0, 0, 0, 0, 0, 0, new MemoryReading("not run", -1));
    }

    /** Time outside engine calls: decoding, preprocessing, prompts. */
    public double prepareSeconds() {
        return Math.max(0, totalSeconds - engineSeconds);
    }

    public double windowsPerSecond() {
        return rate(windows);
    }

    public double outputTokensPerSecond() {
        return rate(outputTokens);
    }

    public double promptTokensPerSecond() {
        return rate(promptTokens);
    }

    private double rate(double count) {
        return totalSeconds > 0 ? count / totalSeconds : 0;
    }
}
