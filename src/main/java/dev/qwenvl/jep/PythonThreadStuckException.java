package dev.qwenvl.jep;

import dev.qwenvl.QwenVlException;

/**
 * A call was given up because the interpreter thread stayed busy in an earlier call after a child
 * process that call depends on (vLLM's engine core) died. The runtime refuses further calls with
 * this exception until that call ends; closing the runtime still returns.
 */
public class PythonThreadStuckException extends QwenVlException {
    private static final long serialVersionUID = 1L;

    private final transient ChildProcesses.Death death;

    public PythonThreadStuckException(String message, ChildProcesses.Death death) {
        super(message);
        this.death = death;
    }

    /** The death that left the thread stuck. */
    public ChildProcesses.Death death() {
        return death;
    }
}
