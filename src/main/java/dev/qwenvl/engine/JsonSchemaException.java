package dev.qwenvl.engine;

import dev.qwenvl.QwenVlException;

/**
 * A JSON Schema for structured outputs was refused before any model loaded: it is not JSON, not a
 * valid JSON Schema, or the engine's grammar backend cannot compile it. The message names the
 * schema (its file when it came from one) and the problem.
 */
public class JsonSchemaException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    public JsonSchemaException(String message) {
        super(message);
    }

    public JsonSchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
