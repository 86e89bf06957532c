package dev.qwenvl.benchmark;

import dev.qwenvl.engine.EngineDeaths;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * An engine that hands everything to {@link #engine}; the benchmark's wrappers (a tally, a clock,
 * a loan) override only what they add. Thread-safe as {@code engine} is.
 */
abstract class ForwardingEngine implements LlmEngine {
    protected final LlmEngine engine;

    ForwardingEngine(LlmEngine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
        return engine.submit(request, sampling);
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
