package dev.qwenvl.engine;

import java.util.List;

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
 *       {@link EngineDiedException} and {@link #isDead()} is true.</li>
 * </ul>
 */
public interface LlmEngine extends AutoCloseable {

    /**
     * Runs one batch through the engine.
     *
     * @throws EngineException when the engine fails; the message names the failure
     */
    List<String> generate(List<EngineRequest> requests, SamplingParams sampling);

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
