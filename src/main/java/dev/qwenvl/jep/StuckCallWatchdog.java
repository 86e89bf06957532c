package dev.qwenvl.jep;

import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The death check of a waiting call: when a watched child process has been dead for longer than
 * the grace period (20 s; {@code -Dqwenvl.python.deathGraceSeconds=N} changes it) and the
 * interpreter thread is still busy in a task that started before the death was seen, that task
 * waits on the dead process: the call is given up (and the runtime refuses calls until the task
 * ends) rather than waiting forever. Thread-safe.
 */
final class StuckCallWatchdog {
    private static final Logger LOG = LoggerFactory.getLogger(StuckCallWatchdog.class);

    private final ChildProcesses children;
    /** {@link System#nanoTime()} when the running task started; 0 while the thread is idle. */
    private volatile long runningSince;
    /** Set when a call was given up on a thread left busy by a dead child; cleared when that task ends. */
    private volatile PythonThreadStuckException stuck;

    StuckCallWatchdog(ChildProcesses children) {
        this.children = children;
    }

    /** How long a call may stay busy after a child process it depends on died. */
    static long deathGraceNanos() {
        return TimeUnit.SECONDS.toNanos(Long.getLong("qwenvl.python.deathGraceSeconds", 20));
    }

    /** The interpreter thread starts a task. */
    void taskStarted() {
        runningSince = System.nanoTime();
    }

    /** The task ended: the thread is free again (a thread left busy by a dead child too). */
    void taskEnded() {
        runningSince = 0;
        stuck = null;
    }

    /** The exception calls are refused with while the thread is stuck; null when it is not. */
    PythonThreadStuckException stuck() {
        return stuck;
    }

    /** Cancels {@code future} and throws when its task is stuck on a dead child (see the class notes). */
    void giveUpIfStuck(Future<?> future) {
        PythonThreadStuckException already = stuck;
        if (already == null) {
            ChildProcesses.Death death = children.check().orElse(null);
            long started = runningSince;
            if (death == null || started == 0 || started - death.seenNanos() > 0
                    || System.nanoTime() - death.seenNanos() < deathGraceNanos()) {
                return;
            }
            already = new PythonThreadStuckException("The embedded Python's thread has been busy for "
                    + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - death.seenNanos()) + " s since "
                    + death.describe() + "; the call that waits on it cannot end, so this and later calls are "
                    + "refused until it does (close the model and start a new one)", death);
            stuck = already;
            LOG.error("{}", already.getMessage());
        }
        future.cancel(false);
        throw already;
    }
}
