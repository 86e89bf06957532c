package dev.qwenvl.engine;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The facade between the model layer and an inference engine (vLLM behind JEP in production,
 * a Mockito mock in unit tests, a stand-in Python module in bridge tests).
 *
 * <p>Rules:
 * <ul>
 *   <li>{@link #generate} returns exactly one text per request, in request order.</li>
 *   <li>An empty request list is never passed in; implementations may reject it.</li>
 *   <li>Implementations are thread-safe.</li>
 *   <li>{@link #close()} releases the engine and is idempotent; {@link #generate} after close
 *       throws {@link EngineException}.</li>
 *   <li>When the engine's process dies, calls in flight and later calls throw
 *       {@link EngineDiedException} and {@link #isDead()} is true; every pending future of
 *       {@link #submit} fails with it.</li>
 * </ul>
 *
 * <p><b>Asynchronous requests.</b> {@link #submit} hands one request to the engine and returns
 * at once with a future of its caption. An engine with a continuously running loop (vLLM's, see
 * {@code dev.qwenvl.jep.JepLlmEngine}) adds each request to the running batch as it arrives, so requests from
 * many threads share one batch and nobody waits for a batch to drain. Every other engine (mocks,
 * other back ends) gets the default: one {@link #generate} call per request, run on the calling
 * thread, the future already complete when {@code submit} returns.
 */
public interface LlmEngine extends AutoCloseable {

    /**
     * Runs one batch through the engine.
     *
     * @throws EngineException when the engine fails; the message names the failure
     */
    List<String> generate(List<EngineRequest> requests, SamplingParams sampling);

    /**
     * Submits one request; the future completes with its caption, or fails with the
     * {@link EngineException} of this request alone (a refused input), with
     * {@link EngineDiedException} when the engine died, or with an {@link EngineException} when the
     * engine was closed before the request finished. Never blocks for the engine's work in the
     * streaming implementation; the default runs {@code generate(List.of(request), sampling)}.
     */
    default CompletableFuture<String> submit(EngineRequest request, SamplingParams sampling) {
        try {
            List<String> out = generate(List.of(request), sampling);
            if (out == null || out.size() != 1) {
                throw new EngineException("engine returned " + (out == null ? "no list" : out.size() + " captions")
                        + " for one request");
            }
            return CompletableFuture.completedFuture(out.get(0));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** What the engine's request stream has done so far; {@link StreamStats#NONE} without one. */
    default StreamStats streamStats() {
        return StreamStats.NONE;
    }

    /**
     * True once the engine's process died: it can no longer answer and a new engine must be
     * started. Engines without a process of their own never die.
     */
    default boolean isDead() {
        return false;
    }

    @Override
    void close();
}
