package dev.qwenvl.benchmark;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import java.util.ArrayList;
import java.util.List;

/**
 * The real engine with a fixed output length and a tally: every call asks vLLM to ignore the
 * end-of-sequence token (so each window produces exactly {@code max_tokens}), and adds up the time
 * spent in engine calls and the token counts vLLM reports. Thread-safe.
 */
final class CountingEngine implements LlmEngine {
    private final JepLlmEngine engine;
    private long engineNanos;
    private long promptTokens;
    private long outputTokens;
    private int requests;

    CountingEngine(JepLlmEngine engine) {
        this.engine = engine;
    }

    @Override
    public List<String> generate(List<EngineRequest> batch, SamplingParams sampling) {
        long start = System.nanoTime();
        List<Generation> out = engine.generateCounted(batch, sampling.withIgnoreEos(true));
        long elapsed = System.nanoTime() - start;
        List<String> texts = new ArrayList<>(out.size());
        long prompt = 0;
        long output = 0;
        for (Generation g : out) {
            texts.add(g.text());
            prompt += g.promptTokens();
            output += g.outputTokens();
        }
        synchronized (this) {
            engineNanos += elapsed;
            promptTokens += prompt;
            outputTokens += output;
            requests += out.size();
        }
        return texts;
    }

    synchronized double engineSeconds() {
        return engineNanos / 1e9;
    }

    synchronized long promptTokens() {
        return promptTokens;
    }

    synchronized long outputTokens() {
        return outputTokens;
    }

    synchronized int requests() {
        return requests;
    }

    @Override
    public void close() {
        engine.close();
    }
}
