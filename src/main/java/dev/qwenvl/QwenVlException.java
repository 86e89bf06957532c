package dev.qwenvl;

/**
 * Root of every exception this library throws. Unchecked: callers catch the subclass they can
 * act on ({@code PythonEnvironmentException}, {@code EngineException}, {@code VideoInputException},
 * ...) and let the rest propagate.
 */
public class QwenVlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QwenVlException(String message) {
        super(message);
    }

    public QwenVlException(String message, Throwable cause) {
        super(message, cause);
    }
}
