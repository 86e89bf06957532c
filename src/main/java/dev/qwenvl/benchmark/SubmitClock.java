package dev.qwenvl.benchmark;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When the last request was handed to an engine: the feed benchmark's "fed" time of a pass, the
 * end of the CPU's part. A pass's captions finish later, by the time the engines take for the
 * last windows (with an engine that sleeps 6 ms per step, 512 steps: about 3 s), which is the
 * accelerator's time, not the feed's. Engines {@link #watch watched} by one clock (every member
 * of a pool) tick it on each submit. Thread-safe.
 */
final class SubmitClock {
    private final AtomicLong lastSubmitNanos = new AtomicLong(Long.MIN_VALUE);

    /** Forgets the last submit (call before a pass). */
    void reset() {
        lastSubmitNanos.set(Long.MIN_VALUE);
    }

    /** Seconds from {@code startNanos} ({@link System#nanoTime()}) to the last submit since {@link #reset()}; NaN when none. */
    double secondsSince(long startNanos) {
        long last = lastSubmitNanos.get();
        return last == Long.MIN_VALUE ? Double.NaN : (last - startNanos) / 1e9;
    }

    /** {@code engine}, ticking this clock on every submit; everything else is {@code engine}'s. */
    LlmEngine watch(LlmEngine engine) {
        Objects.requireNonNull(engine, "engine");
        return new ForwardingEngine(engine) {
            @Override
            public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
                lastSubmitNanos.accumulateAndGet(System.nanoTime(), Math::max);
                return engine.submit(request, sampling);
            }
        };
    }
}
