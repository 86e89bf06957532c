package dev.qwenvl.jep;

import dev.qwenvl.QwenVlException;

/**
 * The Python environment cannot host the embedded interpreter: python missing, jep missing or of
 * another version than the jar, no shared libpython, ... The message names the python path and the
 * fix.
 */
public class PythonEnvironmentException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    public PythonEnvironmentException(String message) {
        super(message);
    }

    public PythonEnvironmentException(String message, Throwable cause) {
        super(message, cause);
    }
}
