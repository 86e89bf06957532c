package dev.qwenvl.benchmark;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.jep.JepLlmEngine;
import java.util.concurrent.CompletableFuture;

/**
 * The real engine with a fixed output length and a tally, on the engine's one path
 * ({@link LlmEngine#submit}, so the benchmark measures the request stream that captioning uses):
 * every request asks the engine to ignore the end-of-sequence token, so each caption is exactly
 * {@code max_tokens} long, and the tally adds up the captions, their output tokens
 * ({@code max_tokens} each, exact under {@code ignore_eos}) and the time the engine held at least
 * one of this engine's requests, and the prompt tokens (video included) vLLM reports for each
 * request (the {@link Generation} every submit completes with). Thread-safe.
 */
final class CountingEngine extends ForwardingEngine {
    private long promptTokens;
    private long busyNanos;
    private long busySince;
    private int open;
    private long outputTokens;
    private int requests;

    CountingEngine(JepLlmEngine engine) {
        super(engine);
    }

    @Override
    public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
        started();
        CompletableFuture<Generation> out;
        try {
            // fixed length for free text; a constrained request ends when its JSON closes
            out = engine.submit(request, sampling.jsonSchema() == null ? sampling.withIgnoreEos(true) : sampling);
        } catch (RuntimeException e) {
            out = CompletableFuture.failedFuture(e);
        }
        return out.whenComplete((g, error) -> finished(g));
    }

    private synchronized void started() {
        if (open++ == 0) {
            busySince = System.nanoTime();
        }
    }

    /** @param g the request's answer, or null for a failed request */
    private synchronized void finished(Generation g) {
        if (--open == 0) {
            busyNanos += System.nanoTime() - busySince;
        }
        if (g != null) {
            requests++;
            promptTokens += g.promptTokens() == null ? 0 : g.promptTokens();
            outputTokens += g.outputTokens() == null ? 0 : g.outputTokens();
        }
    }

    /** Seconds during which the engine held at least one request of this engine. */
    synchronized double engineSeconds() {
        return (busyNanos + (open > 0 ? System.nanoTime() - busySince : 0)) / 1e9;
    }

    /** Prompt tokens of the answered requests, video tokens included, as vLLM counted them. */
    synchronized long promptTokens() {
        return promptTokens;
    }

    synchronized long outputTokens() {
        return outputTokens;
    }

    /** Requests answered with a caption. */
    synchronized int requests() {
        return requests;
    }
}
