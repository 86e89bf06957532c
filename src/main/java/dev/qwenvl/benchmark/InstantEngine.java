package dev.qwenvl.benchmark;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine that answers every request at once with the same caption, on the Java side: the feed
 * benchmark's decode-only figure runs the caption stream over it, so that probe, decode and
 * resize (and the stream's own Java work) are all that is measured. Thread-safe.
 */
final class InstantEngine implements LlmEngine {
    static final String CAPTION = "instant";

    private final AtomicInteger requests = new AtomicInteger();

    @Override
    public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
        requests.incrementAndGet();
        return CompletableFuture.completedFuture(Generation.ofText(CAPTION));
    }

    /** Requests answered so far. */
    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        // nothing held
    }
}
