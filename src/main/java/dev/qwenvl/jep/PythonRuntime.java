package dev.qwenvl.jep;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import jep.Interpreter;
import jep.JepException;
import jep.SharedInterpreter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded CPython: one JEP {@link SharedInterpreter} on one dedicated thread.
 *
 * <p>Rules:
 * <ul>
 *   <li><b>One thread.</b> A JEP interpreter may only be used on the thread that created it, so
 *       every call from any Java thread is queued to the runtime's own thread
 *       ({@code qwenvl-python}) and the caller waits for its result. Calls run one at a time, in
 *       arrival order. The public methods are thread-safe.</li>
 *   <li><b>Values, never source.</b> Arguments travel as values ({@link #call}); no user data is
 *       ever spliced into Python source text.</li>
 *   <li><b>One CPython per process.</b> CPython is initialised once per JVM, for the first
 *       environment used; a runtime for another environment in the same JVM is refused. Creating a
 *       new interpreter after closing one is allowed, but has crashed JVMs once torch was imported
 *       (jep #522): long-lived processes should keep one runtime, such as {@link #shared()}.</li>
 *   <li><b>Errors.</b> A Python exception becomes a {@link PythonException} with the Python type,
 *       message and traceback, plus the domain, reason and details of a {@code BridgeError}
 *       ({@link PythonBridge} turns those into the library's typed exceptions); an unusable
 *       environment becomes a {@link PythonEnvironmentException} at {@link #start}.</li>
 *   <li><b>Close.</b> {@link #close()} closes the interpreter and ends the thread; it is
 *       idempotent, and later calls throw {@link IllegalStateException}.</li>
 * </ul>
 */
public final class PythonRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PythonRuntime.class);
    private static final String THREAD_NAME = "qwenvl-python";
    /** How long a waiting call polls between looks at the watched child processes. */
    private static final long POLL_MILLIS = 250;
    /** The longest close() waits for the interpreter to close. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    private static final Object PROCESS_LOCK = new Object();
    /** The environment CPython was initialised with in this process; null until then. */
    private static PythonEnvironment processEnvironment;
    private static PythonRuntime open;

    private final PythonEnvironment environment;
    private final ExecutorService executor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread thread;
    private final ChildProcesses children = new ChildProcesses();
    private final StuckCallWatchdog watchdog = new StuckCallWatchdog(children);
    private Interpreter interpreter; // touched only on the runtime thread
    private PythonStdio stdio; // touched only on the runtime thread

    private PythonRuntime(PythonEnvironment environment) {
        this.environment = environment;
        this.executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, THREAD_NAME);
            t.setDaemon(true);
            thread = t;
            return t;
        });
    }

    /**
     * Starts a runtime: probes the environment, initialises CPython (first time in this process)
     * and creates the interpreter on a new thread.
     *
     * @throws PythonEnvironmentException when the environment cannot host the interpreter
     * @throws IllegalStateException      when another runtime is open in this process
     */
    public static PythonRuntime start(PythonRuntimeConfig config) {
        Objects.requireNonNull(config, "config");
        synchronized (PROCESS_LOCK) {
            if (open != null) {
                throw new IllegalStateException("A PythonRuntime is already open in this process (python "
                        + open.environment.executable() + "); close it first or use PythonRuntime.shared()");
            }
            PythonEnvironment env = PythonEnvironment.probe(config.python());
            JepVersion.requireMatching(env);
            if (processEnvironment != null && !processEnvironment.prefix().equals(env.prefix())) {
                throw new PythonEnvironmentException("CPython in this JVM was initialised for " + processEnvironment.executable()
                        + " and cannot switch to " + env.executable() + "; use one environment per JVM");
            }
            PythonRuntime runtime = new PythonRuntime(env);
            runtime.boot(config);
            processEnvironment = env;
            open = runtime;
            return runtime;
        }
    }

    /**
     * The process-wide runtime for the located environment ({@link PythonLocator}), started on first
     * use and closed when the JVM exits. Closing it explicitly is allowed; the next call to
     * {@code shared()} then starts a new one.
     */
    public static PythonRuntime shared() {
        return SharedPythonRuntime.get();
    }

    private void boot(PythonRuntimeConfig config) {
        Path bridgeDir = BridgeSources.locate();
        try {
            submit(() -> {
                if (processEnvironment == null) {
                    InterpreterStart.configureProcess(environment, bridgeDir);
                }
                interpreter = InterpreterStart.open(config);
                stdio = PythonStdio.install(interpreter); // sys.stdout/stderr with a real fileno()
                return null;
            });
        } catch (RuntimeException e) {
            shutdownExecutor();
            throw new PythonEnvironmentException("Could not start the embedded Python of " + environment.executable()
                    + ": " + e.getMessage(), e);
        }
        LOG.info("Embedded Python {} started from {} (jep {})", environment.version(), environment.executable(),
                environment.jepVersion());
    }

    /**
     * Calls {@code module.function(*args)} on the interpreter thread and returns its result as JEP
     * converts it (str to String, int to Long, list to List, dict to Map, None to null).
     */
    public Object call(String module, String function, Object... args) {
        return callWithKeywords(module, function, Arrays.asList(args), Map.of());
    }

    /** Like {@link #call} with keyword arguments. */
    public Object callWithKeywords(String module, String function, List<?> args, Map<String, ?> kwargs) {
        Objects.requireNonNull(module, "module");
        Objects.requireNonNull(function, "function");
        List<Object> argList = new ArrayList<>(args);
        Map<String, Object> kwMap = new LinkedHashMap<>(kwargs);
        String name = module + "." + function;
        return execute(py -> {
            try {
                return py.invoke(PythonBridge.ENTRY_CALL, module, function, argList, kwMap);
            } catch (JepException e) {
                throw InterpreterStart.lastError(py, name, e);
            }
        });
    }

    /**
     * Runs {@code task} on the interpreter thread and waits for it. Tasks should be short in code
     * and pass data as values; Python errors raised in them arrive as {@link PythonException} only
     * when the task goes through {@link #call}; raw {@link JepException}s are wrapped. Not public
     * API: only the adapter ({@link PythonBridge} and the runtime's own parts) runs raw tasks.
     */
    <T> T execute(PythonTask<T> task) {
        Objects.requireNonNull(task, "task");
        if (closed.get()) {
            throw new IllegalStateException("The embedded Python runtime is closed");
        }
        return submit(() -> {
            if (interpreter == null) {
                throw new IllegalStateException("The embedded Python runtime is closed");
            }
            return task.run(interpreter);
        });
    }

    private <T> T submit(java.util.concurrent.Callable<T> work) {
        if (Thread.currentThread() == thread) {
            try {
                return work.call(); // already on the interpreter thread (a task calling back in)
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("Python task failed: " + e, e);
            }
        }
        PythonThreadStuckException stuckNow = watchdog.stuck();
        if (stuckNow != null) {
            throw stuckNow;
        }
        Future<T> future;
        try {
            future = executor.submit(() -> {
                watchdog.taskStarted();
                try {
                    return work.call();
                } finally {
                    watchdog.taskEnded(); // the task that kept the thread busy (if any) has ended
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("The embedded Python runtime is closed", e);
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get(POLL_MILLIS, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException slice) {
                    watchdog.giveUpIfStuck(future);
                } catch (InterruptedException e) {
                    // The Python call cannot be stopped midway; wait for it and keep the interrupt.
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("Python task failed: " + cause, cause);
        } catch (CancellationException e) {
            throw new IllegalStateException("The embedded Python runtime was closed before the call ran", e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The child processes calls depend on; a call stuck on a dead one is given up ({@link StuckCallWatchdog}). */
    ChildProcesses children() {
        return children;
    }

    /** The environment this runtime runs on. */
    public PythonEnvironment environment() {
        return environment;
    }

    /** The thread every Python call runs on (for diagnostics and tests). */
    public Thread thread() {
        return thread;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** Closes the interpreter and ends its thread; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long started = System.nanoTime();
        CloseTimes times = new CloseTimes(started);
        try {
            closeInterpreter(times);
        } catch (RuntimeException e) {
            LOG.warn("Closing the embedded Python interpreter failed: {}", e.getMessage(), e);
        } finally {
            shutdownExecutor();
            synchronized (PROCESS_LOCK) {
                if (open == this) {
                    open = null;
                }
            }
        }
        if (times.interpreterClosed != 0) {
            LOG.info("Embedded Python closed in {} s (waited {} s for its thread, output streams {} s, interpreter {} s)",
                    seconds(System.nanoTime() - started), seconds(times.taskStarted - started),
                    seconds(times.streamsClosed - times.taskStarted), seconds(times.interpreterClosed - times.streamsClosed));
        }
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
    }

    /** When each part of a close ended (System.nanoTime; 0: not reached). */
    private static final class CloseTimes {
        volatile long taskStarted;
        volatile long streamsClosed;
        volatile long interpreterClosed;

        CloseTimes(long started) {
            this.taskStarted = started;
        }
    }

    /** Closes the interpreter on its thread, waiting at most {@link #CLOSE_WAIT_SECONDS}. */
    private void closeInterpreter(CloseTimes times) {
        PythonThreadStuckException stuck = watchdog.stuck();
        if (stuck != null) {
            LOG.warn("Not closing the embedded Python interpreter: its thread is still busy ({})", stuck.getMessage());
            return;
        }
        Future<?> future;
        try {
            future = executor.submit(() -> {
                times.taskStarted = System.nanoTime();
                if (interpreter != null) {
                    try {
                        if (stdio != null) {
                            stdio.close(interpreter);
                        }
                        times.streamsClosed = System.nanoTime();
                        interpreter.close();
                        times.interpreterClosed = System.nanoTime();
                    } finally {
                        interpreter = null;
                        stdio = null;
                    }
                }
                return null;
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return;
        }
        try {
            future.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            future.cancel(false);
            LOG.warn("The embedded Python interpreter did not close within {} s; leaving its thread", CLOSE_WAIT_SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Closing the interpreter failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void shutdownExecutor() {
        executor.shutdown();
        try {
            // a thread left busy by a dead child is a daemon: do not wait for it
            boolean stuck = watchdog.stuck() != null;
            if (!executor.awaitTermination(stuck ? 1 : 30, TimeUnit.SECONDS) && !stuck) {
                LOG.warn("The {} thread did not end within 30 s of close()", THREAD_NAME);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
