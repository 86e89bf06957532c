package dev.qwenvl.engine;

/** The engine's package (vllm) cannot be imported in the Python environment; the message says how to install it. */
public class EngineUnavailableException extends EngineException {
    private static final long serialVersionUID = 1L;

    public EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
