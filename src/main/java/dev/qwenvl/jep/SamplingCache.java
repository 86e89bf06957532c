package dev.qwenvl.jep;

import dev.qwenvl.engine.SamplingParams;

/**
 * The Java home of "send the sampling parameters only when they changed": the Python side
 * ({@code qwenvl_bridge.stream.submit}, its one home there) keeps the last parameters it was sent
 * and reuses them when it gets none, so one submit stays cheap. Not thread-safe: the caller holds
 * a lock across {@link #toSend}, the call, and {@link #sent} or {@link #forget}.
 */
final class SamplingCache {
    private SamplingParams held;

    /** The kwargs to send with a request of {@code sampling}: null when Python already holds them. */
    java.util.Map<String, Object> toSend(SamplingParams sampling) {
        return sampling.equals(held) ? null : sampling.toKwargs();
    }

    /** Python now holds {@code sampling}. */
    void sent(SamplingParams sampling) {
        held = sampling;
    }

    /** A call failed: Python may not have stored them, so the next request sends them again. */
    void forget() {
        held = null;
    }
}
