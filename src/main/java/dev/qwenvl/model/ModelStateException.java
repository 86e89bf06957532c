package dev.qwenvl.model;

import dev.qwenvl.QwenVlException;

/**
 * A model was used in the wrong lifecycle state: generate before {@code setup()}, or setup or
 * generate after {@code close()}. The message says which and what to do.
 */
public class ModelStateException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    public ModelStateException(String message) {
        super(message);
    }
}
