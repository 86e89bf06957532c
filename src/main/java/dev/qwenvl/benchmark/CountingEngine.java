package dev.qwenvl.benchmark;

import dev.qwenvl.engine.EngineDeaths;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The real engine with a fixed output length and a tally, on the engine's one path
 * ({@link LlmEngine#submit}, so the benchmark measures the request stream that captioning uses):
 * every request asks the engine to ignore the end-of-sequence token, so each caption is exactly
 * {@code max_tokens} long, and the tally adds up the captions, their output tokens
 * ({@code max_tokens} each, exact under {@code ignore_eos}) and the time the engine held at least
 * one of this engine's requests. Prompt tokens are not reported by the request stream, so
 * {@link #promptTokens()} is 0. Thread-safe.
 */
final class CountingEngine implements LlmEngine {
    private final LlmEngine engine;
    private long busyNanos;
    private long busySince;
    private int open;
    private long outputTokens;
    private int requests;

    CountingEngine(LlmEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public CompletableFuture<String> submit(EngineRequest request, SamplingParams sampling) {
        started();
        CompletableFuture<String> out;
        try {
            out = engine.submit(request, sampling.withIgnoreEos(true));
        } catch (RuntimeException e) {
            out = CompletableFuture.failedFuture(e);
        }
        return out.whenComplete((text, error) -> finished(error == null ? sampling.maxTokens() : -1));
    }

    private synchronized void started() {
        if (open++ == 0) {
            busySince = System.nanoTime();
        }
    }

    /** @param tokens the caption's output tokens, or -1 for a failed request */
    private synchronized void finished(int tokens) {
        if (--open == 0) {
            busyNanos += System.nanoTime() - busySince;
        }
        if (tokens >= 0) {
            requests++;
            outputTokens += tokens;
        }
    }

    /** Seconds during which the engine held at least one request of this engine. */
    synchronized double engineSeconds() {
        return (busyNanos + (open > 0 ? System.nanoTime() - busySince : 0)) / 1e9;
    }

    /** Always 0: the request stream reports no prompt token counts. */
    synchronized long promptTokens() {
        return 0;
    }

    synchronized long outputTokens() {
        return outputTokens;
    }

    /** Requests answered with a caption. */
    synchronized int requests() {
        return requests;
    }

    @Override
    public StreamStats streamStats() {
        return engine.streamStats();
    }

    @Override
    public Optional<EngineDiedException> death() {
        return EngineDeaths.of(engine);
    }

    @Override
    public void close() {
        engine.close();
    }
}
