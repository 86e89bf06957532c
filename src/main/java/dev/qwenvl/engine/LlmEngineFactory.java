package dev.qwenvl.engine;

/** Starts an {@link LlmEngine} from engine arguments (one engine per model setup). */
@FunctionalInterface
public interface LlmEngineFactory {

    /**
     * Loads the model and returns a ready engine.
     *
     * @throws EngineException when the engine cannot start (missing package, bad weights, ...)
     */
    LlmEngine start(EngineArgs args);
}
