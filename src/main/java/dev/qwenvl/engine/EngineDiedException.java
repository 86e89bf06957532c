package dev.qwenvl.engine;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * The engine's process (vLLM's engine core) died while the engine was in use: killed by a signal
 * (an OOM killer, a GPU fault, {@code kill -9}) or exited. Calls in flight and every later call on
 * that engine fail with it; a new engine must be started ({@code QwenVL.setup()} restarts it).
 */
public class EngineDiedException extends EngineException {
    private static final long serialVersionUID = 1L;

    private final String processName;
    private final long pid;
    private final Integer exitCode;
    private final String signal;

    /**
     * @param processName the dead process's name (e.g. {@code EngineCore})
     * @param pid         its pid
     * @param exitCode    its exit code, or null when unknown or killed by a signal
     * @param signal      the signal that killed it (e.g. {@code SIGKILL}), or null
     */
    public EngineDiedException(String message, String processName, long pid, Integer exitCode, String signal,
                               Throwable cause) {
        super(message, cause);
        this.processName = processName;
        this.pid = pid;
        this.exitCode = exitCode;
        this.signal = signal;
    }

    /** The same death, reported again for a later call. */
    public EngineDiedException again(String what) {
        return new EngineDiedException(what + ": " + getMessage(), processName, pid, exitCode, signal, this);
    }

    public String processName() {
        return processName;
    }

    public long pid() {
        return pid;
    }

    /** The exit code, when the process exited (rather than being killed by a signal) and it is known. */
    public OptionalInt exitCode() {
        return exitCode == null ? OptionalInt.empty() : OptionalInt.of(exitCode);
    }

    /** The signal that killed the process (e.g. {@code SIGKILL}), when it was killed by one. */
    public Optional<String> signal() {
        return Optional.ofNullable(signal);
    }
}
