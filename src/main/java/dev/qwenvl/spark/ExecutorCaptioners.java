package dev.qwenvl.spark;

import dev.qwenvl.jep.PythonLocator;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonRuntimeConfig;
import dev.qwenvl.jep.ShutdownBudget;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The captioner of this JVM (a Spark executor, or the driver in local mode): created by the first
 * task that needs it, reused by every later task and stage, shared by the tasks that run at once,
 * and closed when the JVM exits.
 *
 * <p>One embedded CPython per process (JEP), so one {@link PythonRuntime} per JVM, started with
 * the first config's Python settings and the first task's {@link Accelerator} in its environment
 * ({@code CUDA_VISIBLE_DEVICES} before vLLM is imported). The captioner belongs to one
 * {@link SparkCaptionConfig}; a task with another config waits until no task uses the current one,
 * which is then closed and replaced; so is a captioner a task {@linkplain Lease#discard() discarded}.
 * Thread-safe.
 */
public final class ExecutorCaptioners {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorCaptioners.class);

    /** Which captioner executors run: the one line to change for another captioning path. */
    static final ExecutorCaptioner.Factory FACTORY = VllmExecutorCaptioner::open;

    private static final Object LOCK = new Object();
    private static final AtomicInteger CREATED = new AtomicInteger();
    private static final AtomicBoolean HOOK = new AtomicBoolean();
    // guarded by LOCK
    private static PythonRuntime runtime;
    private static PythonRuntimeConfig runtimeConfig;
    private static Accelerator runtimeAccelerator;
    private static Entry current;

    private ExecutorCaptioners() {}

    /** The captioner in use, the config it belongs to, and how many tasks hold it. */
    private static final class Entry {
        final SparkCaptionConfig config;
        final ExecutorCaptioner captioner;
        int users;
        boolean broken;

        Entry(SparkCaptionConfig config, ExecutorCaptioner captioner) {
            this.config = config;
            this.captioner = captioner;
        }
    }

    /** A lease on {@code captioner} alone, shared with no task (tests give a partition its captioner with it). */
    static Lease unshared(ExecutorCaptioner captioner) {
        Entry entry = new Entry(null, captioner);
        entry.users = 1;
        return new Lease(entry);
    }

    /** A task's hold on the captioner; close it when the task ends (idempotent). */
    public static final class Lease implements AutoCloseable {
        private final Entry entry;
        private final AtomicBoolean closed = new AtomicBoolean();

        private Lease(Entry entry) {
            this.entry = entry;
        }

        public ExecutorCaptioner captioner() {
            if (closed.get()) {
                throw new IllegalStateException("this lease on the executor's captioner was closed");
            }
            return entry.captioner;
        }

        /**
         * Marks the captioner unusable (it threw instead of returning per-video results): it is
         * closed and replaced once no task holds it, so a retried task gets a fresh one.
         */
        public void discard() {
            synchronized (LOCK) {
                entry.broken = true;
            }
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                synchronized (LOCK) {
                    entry.users--;
                    LOCK.notifyAll();
                }
            }
        }
    }

    /**
     * The captioner for {@code config}, started on first use (this loads the model: minutes on a
     * GPU for a 7B model), waiting while other tasks hold a captioner of another config.
     *
     * @param accelerator the task's accelerator; it reaches vLLM only when the embedded Python is
     *                    started (the first task of the JVM), so give each executor one GPU
     * @throws IllegalStateException when this JVM's Python was started with other Python settings
     */
    public static Lease acquire(SparkCaptionConfig config, Accelerator accelerator) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(accelerator, "accelerator");
        synchronized (LOCK) {
            while (current != null && (current.broken || !current.config.equals(config))) {
                if (current.users == 0) {
                    LOG.info("Closing the captioner of {}: {}", current.config.fingerprint(),
                            current.broken ? "it failed" : "a task needs another config");
                    Entry old = current;
                    current = null;
                    old.captioner.close();
                    break;
                }
                try {
                    LOCK.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for the executor's captioner", e);
                }
            }
            if (current == null) {
                PythonRuntime python = runtimeFor(config, accelerator);
                long t0 = System.nanoTime();
                ExecutorCaptioner captioner = FACTORY.open(config, python);
                CREATED.incrementAndGet();
                current = new Entry(config, captioner);
                installShutdownHook();
                LOG.info("Captioner for config {} ({}) ready on {} in {} s", config.fingerprint(), config.modelId(),
                        runtimeAccelerator, String.format("%.1f", (System.nanoTime() - t0) / 1e9));
            } else if (accelerator.hasGpus() && !accelerator.equals(runtimeAccelerator)) {
                LOG.warn("This task was assigned {} but the executor's captioner runs on {}: one embedded Python per "
                        + "JVM holds one engine; give each executor one GPU (spark.executor.resource.gpu.amount=1)",
                        accelerator, runtimeAccelerator);
            }
            current.users++;
            return new Lease(current);
        }
    }

    /** How many captioners this JVM has started (monitoring; one per config in a healthy job). */
    public static int captionersCreated() {
        return CREATED.get();
    }

    /**
     * Closes the captioner and the embedded Python (idempotent). Runs at JVM exit; tasks still
     * running then fail. After this, the next {@link #acquire} starts a new captioner; a new embedded
     * Python after a closed one is best avoided (see {@link PythonRuntime}).
     */
    public static void closeAll() {
        synchronized (LOCK) {
            if (current != null) {
                Entry old = current;
                current = null;
                try {
                    old.captioner.close();
                } catch (RuntimeException e) {
                    LOG.warn("Closing the executor's captioner failed: {}", e.toString());
                }
            }
            if (runtime != null) {
                runtime.close();
                runtime = null;
                runtimeConfig = null;
                runtimeAccelerator = null;
            }
        }
    }

    /** This JVM's embedded Python, or {@code null} before the first captioner (for tests). */
    static PythonRuntime runtime() {
        synchronized (LOCK) {
            return runtime;
        }
    }

    /** The Python settings a runtime for {@code config} on {@code accelerator} starts with. */
    static PythonRuntimeConfig runtimeConfig(SparkCaptionConfig config, Accelerator accelerator) {
        PythonRuntimeConfig.Builder b = PythonRuntimeConfig.builder()
                .python(config.python().orElseGet(PythonLocator::locate));
        config.pythonPaths().forEach(b::addPath);
        Map<String, String> env = new LinkedHashMap<>(config.pythonEnvironment());
        env.putAll(accelerator.environment());
        env.forEach(b::environment);
        return b.build();
    }

    private static PythonRuntime runtimeFor(SparkCaptionConfig config, Accelerator accelerator) {
        PythonRuntimeConfig wanted = runtimeConfig(config, accelerator);
        if (runtime == null) {
            runtime = PythonRuntime.start(wanted);
            runtimeConfig = wanted;
            runtimeAccelerator = accelerator;
            installShutdownHook();
            return runtime;
        }
        if (!samePython(runtimeConfig, wanted)) {
            throw new IllegalStateException("this JVM's embedded Python was started with " + describe(runtimeConfig)
                    + " and cannot be restarted with " + describe(wanted) + " (one CPython per process); use one "
                    + "Python environment, sys.path and environment per Spark application");
        }
        return runtime;
    }

    /** Same python, paths and environment, not counting the accelerator (a later task's GPUs may differ). */
    private static boolean samePython(PythonRuntimeConfig a, PythonRuntimeConfig b) {
        Map<String, String> envA = new LinkedHashMap<>(a.environment());
        Map<String, String> envB = new LinkedHashMap<>(b.environment());
        envA.remove(Accelerator.VISIBLE_DEVICES);
        envB.remove(Accelerator.VISIBLE_DEVICES);
        return a.python().equals(b.python()) && a.extraPaths().equals(b.extraPaths()) && envA.equals(envB);
    }

    private static String describe(PythonRuntimeConfig c) {
        List<Path> paths = c.extraPaths();
        return "python " + c.python() + (paths.isEmpty() ? "" : ", sys.path " + paths) + ", environment " + c.environment();
    }

    private static void installShutdownHook() {
        if (HOOK.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExecutorCaptioners::closeAtExit, "qwenvl-spark-shutdown"));
        }
    }

    /**
     * At JVM exit (the worker's SIGTERM when the application ends): closes the captioner, whose
     * engine the library's own hook closes at the same time within a bounded time (whichever comes
     * first does it, the other returns). The embedded Python is left to the JVM's end: closing it
     * meanwhile would pull it from under the engine's close.
     */
    private static void closeAtExit() {
        Entry old;
        synchronized (LOCK) {
            old = current;
            current = null;
        }
        if (old != null) {
            closeWithin(old.captioner, shutdownMillis());
        }
    }

    /**
     * How long the executor's hook waits for the captioner at JVM exit: the library's shutdown
     * budget ({@code -Dqwenvl.shutdown.seconds}, 7 s by default, the same property the library's
     * own hook reads), inside the 10 s a Spark standalone worker waits after SIGTERM before SIGKILL.
     */
    static long shutdownMillis() {
        return ShutdownBudget.millis();
    }

    /**
     * Closes {@code captioner} on a daemon thread and waits at most {@code budgetMillis} for it, so
     * that a close that hangs (a task still holding the model, an engine that does not answer) never
     * holds the JVM's exit past Spark's grace; the library's orphan guard then ends whatever vLLM
     * process is left once the JVM is gone. Logs one line either way.
     *
     * @return whether the close ended, without an exception, within the budget
     */
    static boolean closeWithin(ExecutorCaptioner captioner, long budgetMillis) {
        long started = System.nanoTime();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Thread closer = new Thread(() -> {
            try {
                captioner.close();
                closed.complete(null);
            } catch (Throwable e) {
                closed.completeExceptionally(e);
            }
        }, "qwenvl-spark-close");
        closer.setDaemon(true); // never holds the JVM open
        closer.start();
        try {
            closed.get(budgetMillis, TimeUnit.MILLISECONDS);
            LOG.info("Spark executor shutdown: closed the captioner in {} s", seconds(started));
            return true;
        } catch (TimeoutException e) {
            LOG.warn("Spark executor shutdown: closing the captioner did not end within {} s (-Dqwenvl.shutdown.seconds); "
                    + "the JVM exits without it, and the library's orphan guard ends vLLM's processes left behind",
                    seconds(started));
            return false;
        } catch (ExecutionException e) {
            LOG.warn("Spark executor shutdown: closing the captioner failed after {} s: {}", seconds(started),
                    e.getCause().toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Spark executor shutdown: interrupted while closing the captioner");
            return false;
        }
    }

    private static String seconds(long startedNanos) {
        return String.format("%.1f", (System.nanoTime() - startedNanos) / 1e9);
    }
}
