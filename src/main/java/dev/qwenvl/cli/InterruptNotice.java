package dev.qwenvl.cli;

import java.io.PrintWriter;

/**
 * On Ctrl-C (the JVM's shutdown) during a run: waits for a group being written to finish, closes
 * the outputs and says how to resume. The JVM then exits with 130 (SIGINT). A run that ends
 * normally removes the hook.
 */
final class InterruptNotice {
    private final Thread hook;

    private InterruptNotice(Thread hook) {
        this.hook = hook;
    }

    static InterruptNotice install(PrintWriter err, AutoCloseable... outputs) {
        Thread hook = new Thread(() -> {
            for (AutoCloseable c : outputs) {
                try {
                    c.close(); // synchronized with append: a group being written is finished first
                } catch (Exception ignored) {
                    // shutting down; nothing more to do
                }
            }
            err.println();
            err.println("qwenvl caption: interrupted; every finished group is in the output. Run the same command "
                    + "again to resume.");
            err.flush();
        }, "qwenvl-caption-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        return new InterruptNotice(hook);
    }

    void remove() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or about to: leave it
        }
    }
}
