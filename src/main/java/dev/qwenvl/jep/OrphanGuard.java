package dev.qwenvl.jep;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure no process the embedded Python starts outlives the JVM, however the JVM ends
 * ({@code kill -9}, an uncaught exception, {@code System.exit} without close).
 *
 * <p>How: the runtime puts {@code QWENVL_JEP_OWNER=<token of this JVM>} into the interpreter's
 * environment, so every process it starts (vLLM's engine core, the core's workers, the
 * multiprocessing resource tracker) inherits it. vLLM renames its processes ({@code VLLM::EngineCore})
 * with setproctitle, which overwrites the environment that /proc shows; so while an engine is open,
 * a small guard process ({@code qwenvl_bridge/reaper.py}, standard library only) also records twice
 * a second this JVM's descendants that carry the token or a {@code VLLM::} title, with their start
 * times. It waits on a pipe from this JVM; when the pipe closes (the kernel closes it when the JVM
 * dies, whatever kills it) or the JVM is no longer its parent, it SIGKILLs the recorded processes,
 * every process carrying the token, and their descendants, and exits. The last engine to close
 * releases the guard, which then kills any vLLM process left behind and exits: a closed engine
 * leaves no engine process (Python's multiprocessing resource tracker, started by the
 * interpreter, stays until the JVM ends: killing it broke the next engine's start). Why not a parent-death signal in each child: vLLM starts its
 * children from code we do not control, the signal fires when the parent <em>thread</em> ends,
 * and it does not reach grandchildren (the core's workers). Linux only, like the library.
 */
public final class OrphanGuard {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanGuard.class);

    /** The environment entry that marks the processes of this JVM's embedded Python. */
    public static final String ENV = "QWENVL_JEP_OWNER";
    private static final String TOKEN = ProcessHandle.current().pid() + "-" + UUID.randomUUID();

    private static int leases;
    private static Process guard;
    private static OutputStream pipe;

    private OrphanGuard() {}

    /** This JVM's token (the value of {@link #ENV} in its Python's children). */
    public static String token() {
        return TOKEN;
    }

    /**
     * Starts the guard process (first lease) or counts another lease. Call before starting child
     * processes; {@link #release()} once they are shut down.
     *
     * @throws PythonEnvironmentException when the guard cannot start
     */
    public static synchronized void acquire(Path python) {
        if (leases == 0 || guard == null || !guard.isAlive()) {
            start(python);
        }
        leases++;
    }

    /** Ends one lease; the last one stops the guard, which kills any vLLM process left behind first. */
    public static synchronized void release() {
        if (leases == 0) {
            return;
        }
        if (--leases > 0) {
            return;
        }
        stop();
    }

    /** Whether the guard process runs (tests). */
    public static synchronized boolean running() {
        return guard != null && guard.isAlive();
    }

    /** The guard's pid, or -1 (tests). */
    public static synchronized long pid() {
        return guard != null ? guard.pid() : -1;
    }

    private static void start(Path python) {
        Path script = BridgeSources.locate().resolve("qwenvl_bridge").resolve("reaper.py");
        ProcessBuilder pb = new ProcessBuilder(List.of(python.toString(), "-S", "-E", script.toString(),
                Long.toString(ProcessHandle.current().pid()), TOKEN));
        pb.environment().remove(ENV); // the guard must not kill itself: it is never marked
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(ProcessBuilder.Redirect.INHERIT);
        try {
            guard = pb.start();
            pipe = guard.getOutputStream();
        } catch (IOException e) {
            throw new PythonEnvironmentException("Could not start the orphan guard (" + python + " " + script + "): " + e, e);
        }
        LOG.debug("Orphan guard started (pid {})", guard.pid());
    }

    private static void stop() {
        Process p = guard;
        guard = null;
        if (p == null) {
            return;
        }
        try {
            pipe.close(); // end of file: the guard removes leftovers and exits
        } catch (IOException e) {
            LOG.debug("Closing the orphan guard's pipe: {}", e.toString());
        }
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                LOG.warn("The orphan guard (pid {}) did not end within 5 s; killing it", p.pid());
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }
}
