package dev.qwenvl.engine;

import dev.qwenvl.QwenVlException;

/** The inference engine failed to start or to generate. */
public class EngineException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
