package dev.qwenvl.engine;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The facade between the model layer and an inference engine (vLLM behind JEP in production,
 * hand-written fakes or Mockito mocks in unit tests, a stand-in Python module in bridge tests).
 *
 * <p><b>One primitive.</b> {@link #submit} is the only way a request reaches an engine, and the
 * only method an engine implements to run requests: it hands one request to the engine and returns
 * at once with a future of its caption. An engine with a continuously running loop (vLLM's, see
 * {@code dev.qwenvl.jep.JepLlmEngine}) adds each request to the running batch as it arrives, so
 * requests from many threads share one batch and nobody waits for a batch to drain.
 * {@link #generate} is {@link SubmittedBatch#generate} over {@code submit}; no engine overrides it.
 *
 * <p>Rules:
 * <ul>
 *   <li>{@link #generate} returns exactly one text per request, in request order, and rejects an
 *       empty list.</li>
 *   <li>Implementations are thread-safe.</li>
 *   <li>{@link #close()} releases the engine and is idempotent; a request submitted after close
 *       fails with {@link EngineException}.</li>
 *   <li>When the engine's process dies, {@link #death()} returns the death with its cause
 *       ({@link EngineDiedException}: process, pid, exit code or signal), every pending future of
 *       {@link #submit} fails with it, and so does every later request. {@link EngineDeaths#of}
 *       is the one place callers ask whether an engine died.</li>
 * </ul>
 */
public interface LlmEngine extends AutoCloseable {

    /**
     * Submits one request; the future completes with its {@link Generation} (text, finish reason,
     * token counts, times, each fact null where this engine does not report it), or fails with the
     * {@link EngineException} of this request alone (a refused input), with
     * {@link EngineDiedException} when the engine died, or with an {@link EngineException} when the
     * engine was closed before the request finished. Returns at once (or after handing the request
     * over); never waits for the engine's work.
     */
    CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling);

    /**
     * Runs {@code requests} through {@link #submit} and waits for all of them:
     * {@link SubmittedBatch#generate} (texts in request order; the first failure in request order
     * is thrown; the wait gives up with {@link EngineDiedException} once the engine died). Engines
     * do not override it.
     *
     * @throws IllegalArgumentException for an empty list
     * @throws EngineException          when a request fails; the message names the failure
     */
    default List<String> generate(List<EngineRequest> requests, SamplingParams sampling) {
        String name = getClass().getSimpleName();
        return SubmittedBatch.generate(this, requests, sampling, "the engine " + (name.isEmpty() ? getClass().getName() : name));
    }

    /** What the engine's request stream has done so far; {@link StreamStats#NONE} without one. */
    default StreamStats streamStats() {
        return StreamStats.NONE;
    }

    /**
     * The engine's death, with its cause, once its process died: it can no longer answer and a
     * new engine must be started. Empty while it lives; engines without a process of their own
     * never die (the default). An engine records its death once and returns that same exception
     * from then on, before it fails the futures still open with it, so that whoever sees the death
     * first sees its cause. Callers ask {@link EngineDeaths#of(LlmEngine)}, not this method.
     */
    default Optional<EngineDiedException> death() {
        return Optional.empty();
    }

    /**
     * True once the engine's process died: {@code death().isPresent()}. Engines implement
     * {@link #death()}; an engine that overrides only this method (one written before
     * {@code death()} existed) is still seen as dead by {@link EngineDeaths#of}, but its death is
     * recorded without a cause.
     */
    default boolean isDead() {
        return death().isPresent();
    }

    @Override
    void close();
}
