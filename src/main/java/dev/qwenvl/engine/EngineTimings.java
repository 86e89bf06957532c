package dev.qwenvl.engine;

/**
 * The engine's own times for one request, in seconds, as vLLM reports them per request
 * ({@code RequestOutput.metrics}); each is {@code null} when the engine does not report it.
 *
 * @param queuedSeconds     time the request waited in the engine's queue before it was first
 *                          scheduled (vLLM: {@code scheduled_ts - queued_ts})
 * @param firstTokenSeconds time from the request's arrival to its first output token (vLLM's
 *                          time to first token, prefill included)
 * @param totalSeconds      time from the request's arrival to its last output (vLLM's end-to-end
 *                          latency)
 */
public record EngineTimings(Double queuedSeconds, Double firstTokenSeconds, Double totalSeconds) {

    /** No times reported. */
    public static final EngineTimings NONE = new EngineTimings(null, null, null);

    /** True when the engine reported none of the times. */
    public boolean isEmpty() {
        return queuedSeconds == null && firstTokenSeconds == null && totalSeconds == null;
    }
}
