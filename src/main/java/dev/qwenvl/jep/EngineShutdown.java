package dev.qwenvl.jep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the vLLM engines still open when the JVM shuts down (SIGTERM, SIGINT, SIGHUP,
 * {@code System.exit}, the end of {@code main}), then the process-wide runtime, within a bounded
 * time: one JVM shutdown hook ({@code qwenvl-shutdown}), installed with the first engine.
 *
 * <p>Each engine is closed as {@link JepLlmEngine#close()} does (requests in flight fail as
 * closed, vLLM shuts its engine core down), in the order they started, on a thread of the hook's
 * own. When that has not ended within {@link #deadlineMillis()} (7 s by default, inside Spark's
 * 10 s and Kubernetes' 30 s grace; {@code -Dqwenvl.shutdown.seconds=N} changes it) the engines'
 * processes and their descendants are killed, so that none outlives the JVM, and the hook returns.
 * Either way one line is logged: what was closed and how long it took.
 */
final class EngineShutdown {
    private static final Logger LOG = LoggerFactory.getLogger(EngineShutdown.class);
    private static final Object LOCK = new Object();
    /** Open engines and their processes' pids, in start order; guarded by LOCK. */
    private static final Map<JepLlmEngine, List<Long>> OPEN = new LinkedHashMap<>();
    /** Runtimes to close after the engines; guarded by LOCK. */
    private static final List<PythonRuntime> RUNTIMES = new ArrayList<>();
    private static Thread hook; // guarded by LOCK
    /** Set when the hook starts: the JVM is ending. */
    private static volatile boolean exiting;

    private EngineShutdown() {}

    /** The longest the hook waits for the engines to close before it kills their processes. */
    static long deadlineMillis() {
        return ShutdownBudget.millis();
    }

    /**
     * Whether the JVM's shutdown has begun (the hook runs). No new runtime may start then: a thread
     * still inside Python when the JVM exits can deadlock the exit (see {@link SharedPythonRuntime}).
     */
    static boolean exiting() {
        return exiting;
    }

    /** An engine started: the hook closes it unless {@link #closed} is called first. */
    static void opened(JepLlmEngine engine, List<Long> pids) {
        synchronized (LOCK) {
            OPEN.put(engine, List.copyOf(pids));
            installHook();
        }
    }

    /** An engine was closed. */
    static void closed(JepLlmEngine engine) {
        synchronized (LOCK) {
            OPEN.remove(engine);
        }
    }

    /** The hook closes {@code runtime} after the engines (the process-wide runtime). */
    static void closeAtExit(PythonRuntime runtime) {
        synchronized (LOCK) {
            RUNTIMES.add(runtime);
            installHook();
        }
    }

    private static void installHook() {
        if (hook == null) {
            hook = new Thread(EngineShutdown::run, "qwenvl-shutdown");
            try {
                Runtime.getRuntime().addShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already shutting down: nothing to add to
            }
        }
    }

    /** The hook's work; package-private for tests. */
    static void run() {
        exiting = true;
        Map<JepLlmEngine, List<Long>> engines;
        List<PythonRuntime> runtimes;
        synchronized (LOCK) {
            engines = new LinkedHashMap<>(OPEN);
            runtimes = new ArrayList<>(RUNTIMES);
            RUNTIMES.clear();
        }
        if (engines.isEmpty() && runtimes.stream().allMatch(PythonRuntime::isClosed)) {
            return;
        }
        long started = System.nanoTime();
        AtomicLong enginesDone = new AtomicLong(); // when the engines were closed (System.nanoTime; 0: not yet)
        Thread closer = new Thread(() -> {
            for (JepLlmEngine engine : engines.keySet()) {
                engine.close(); // logs its own failure; never throws
            }
            enginesDone.set(System.nanoTime());
            for (PythonRuntime runtime : runtimes) {
                runtime.close();
            }
        }, "qwenvl-shutdown-close");
        closer.setDaemon(true);
        closer.start();
        try {
            closer.join(deadlineMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long now = System.nanoTime();
        long enginesEnd = enginesDone.get();
        String seconds = seconds(now - started);
        String python = runtimes.isEmpty() ? "" : " and the embedded Python";
        if (!closer.isAlive()) {
            LOG.info("JVM shutdown: closed {} vLLM engine(s){} in {} s (engines {} s{})", engines.size(), python, seconds,
                    seconds(enginesEnd - started), runtimes.isEmpty() ? "" : ", embedded Python " + seconds(now - enginesEnd));
            return;
        }
        StackTraceElement[] at = closer.getStackTrace();
        List<Long> killed = new ArrayList<>();
        engines.values().forEach(killed::addAll); // an engine leaves OPEN when its close starts
        for (long pid : killed) {
            ProcessHandle.of(pid).ifPresent(p -> {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            });
        }
        String part = enginesEnd == 0 ? "the engines were still closing"
                : "the engines closed in " + seconds(enginesEnd - started) + " s, the embedded Python was still closing";
        LOG.warn("JVM shutdown: closing {} vLLM engine(s){} did not end within {} s ({}, at {}); killed the engines' processes {}",
                engines.size(), python, seconds, part, frames(at, 8), killed);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }

    /** The top frames of a stack, for the log line that says where a close hung. */
    private static String frames(StackTraceElement[] stack, int max) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(max, stack.length); i++) {
            b.append(i == 0 ? "" : " < ").append(stack[i]);
        }
        return b.toString();
    }
}
