package dev.qwenvl.engine;

/**
 * The engine was asked to fork the Java process ({@code VLLM_WORKER_MULTIPROC_METHOD=fork}); the
 * library refuses, because forking a JVM is unsafe. The message names the variable and the fix
 * (unset it, or set it to {@code spawn}). Nothing was started.
 */
public class UnsafeStartMethodException extends EngineException {
    private static final long serialVersionUID = 1L;

    /** The environment variable vLLM reads its process start method from. */
    public static final String VARIABLE = "VLLM_WORKER_MULTIPROC_METHOD";

    public UnsafeStartMethodException(String message, Throwable cause) {
        super(message, cause);
    }
}
