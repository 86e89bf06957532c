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
 * An engine lent to a second {@code QwenVL} by its owner: everything goes to {@code engine} but
 * {@link #close()}, which leaves it running (its owner closes it). The feed benchmark's one-engine
 * passes run on the first member of the pool it already started this way. Thread-safe.
 */
final class BorrowedEngine implements LlmEngine {
    private final LlmEngine engine;

    BorrowedEngine(LlmEngine engine) {
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

    /** Leaves the engine running: its owner closes it. */
    @Override
    public void close() {
        // not ours to close
    }
}
