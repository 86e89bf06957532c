package dev.qwenvl.cli;

import java.io.PrintWriter;
import java.util.function.IntSupplier;

/**
 * On Ctrl-C or SIGTERM (the JVM's shutdown) during a run: marks the run as stopping (from then on
 * no error line is written for a video the shutdown cut short, the progress line is no longer
 * drawn, and the caption thread reports nothing: it waits for the JVM to halt), waits for a video
 * being written to finish, closes the outputs and prints one summary: how many videos were done
 * and that the same command continues. The JVM then exits with 130 (SIGINT) or 143 (SIGTERM). The
 * library's own hook closes the engines meanwhile, within a bounded time. A run that ends normally
 * removes the hook.
 */
final class InterruptNotice {
    /** The longest the caption thread waits for the halt once stopping (the hooks are bounded well below). */
    private static final long HALT_WAIT_MILLIS = 60_000;
    private static volatile boolean stopping;
    private final Thread hook;

    private InterruptNotice(Thread hook) {
        this.hook = hook;
    }

    /**
     * @param videosDone videos finished in this run so far
     * @param pending    videos this run set out to do
     * @param output     where the captions are
     */
    static InterruptNotice install(PrintWriter err, IntSupplier videosDone, int pending, String output,
                                   AutoCloseable... outputs) {
        Thread hook = new Thread(() -> {
            stopping = true;
            CliLogging.stopping();
            for (AutoCloseable c : outputs) {
                try {
                    c.close(); // synchronized with append: a video being written is finished first
                } catch (Exception ignored) {
                    // shutting down; nothing more to do
                }
            }
            synchronized (err) {
                err.println();
                err.println("qwenvl caption: stopped (Ctrl-C or SIGTERM) with " + videosDone.getAsInt() + " of " + pending
                        + " videos done; every finished video is in " + output + ". Run the same command again to "
                        + "continue with the rest.");
                err.flush();
            }
        }, "qwenvl-caption-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        return new InterruptNotice(hook);
    }

    /** Whether the JVM is shutting down in the middle of a run. */
    static boolean stopping() {
        return stopping;
    }

    /**
     * When the run is stopping, blocks until the JVM halts (at most {@link #HALT_WAIT_MILLIS}): what
     * the caller would report (a failure of an engine closed under it, a summary) is not a result.
     */
    static void awaitHaltIfStopping() {
        if (!stopping) {
            return;
        }
        long deadline = System.nanoTime() + HALT_WAIT_MILLIS * 1_000_000;
        while (System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                // keep waiting for the halt
            }
        }
    }

    void remove() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: leave it
        }
    }
}
