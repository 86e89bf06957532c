package dev.qwenvl.benchmark;

import dev.qwenvl.engine.LlmEngine;

/**
 * An engine lent to a second {@code QwenVL} by its owner: everything goes to {@code engine} but
 * {@link #close()}, which leaves it running (its owner closes it). The feed benchmark's one-engine
 * passes run on the first member of the pool it already started this way. Thread-safe.
 */
final class BorrowedEngine extends ForwardingEngine {
    BorrowedEngine(LlmEngine engine) {
        super(engine);
    }

    /** Leaves the engine running: its owner closes it. */
    @Override
    public void close() {
        // not ours to close
    }
}
