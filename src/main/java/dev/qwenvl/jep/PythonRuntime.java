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
import jep.JepConfig;
import jep.JepException;
import jep.MainInterpreter;
import jep.PyConfig;
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
    /**
     * How long a call may stay busy after a child process it depends on died (20 s;
     * {@code -Dqwenvl.python.deathGraceSeconds=N} changes it).
     */
    private static long deathGraceNanos() {
        return TimeUnit.SECONDS.toNanos(Long.getLong("qwenvl.python.deathGraceSeconds", 20));
    }
    /** The longest close() waits for the interpreter to close. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    private static final Object PROCESS_LOCK = new Object();
    /** The environment CPython was initialised with in this process; null until then. */
    private static PythonEnvironment processEnvironment;
    private static PythonRuntime open;
    private static PythonRuntime shared;

    private final PythonEnvironment environment;
    private final ExecutorService executor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread thread;
    private final ChildProcesses children = new ChildProcesses();
    /** {@link System#nanoTime()} when the running task started; 0 while the thread is idle. */
    private volatile long runningSince;
    /** Set when a call was given up on a thread left busy by a dead child; cleared when that task ends. */
    private volatile PythonThreadStuckException stuck;
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
            checkJepVersion(env);
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
        synchronized (PROCESS_LOCK) {
            if (shared == null || shared.isClosed()) {
                shared = start(PythonRuntimeConfig.defaults());
                EngineShutdown.closeAtExit(shared); // after the engines, within a bounded time
            }
            return shared;
        }
    }

    private static void checkJepVersion(PythonEnvironment env) {
        String jar = JepVersion.ofJar();
        if (!"unknown".equals(jar) && !jar.equals(env.jepVersion())) {
            throw new PythonEnvironmentException("jep " + env.jepVersion() + " is installed in " + env.executable()
                    + " but the jar on the classpath is jep " + jar + "; they must match: " + env.executable()
                    + " -m pip install --force-reinstall --no-build-isolation jep==" + jar);
        }
    }

    private void boot(PythonRuntimeConfig config) {
        Path bridgeDir = BridgeSources.locate();
        try {
            submit(() -> {
                initialiseProcessOnce(environment, bridgeDir);
                interpreter = new SharedInterpreter();
                List<String> extraPaths = config.extraPaths().stream().map(p -> p.toAbsolutePath().toString()).toList();
                interpreter.set("_qwenvl_paths", new ArrayList<>(extraPaths));
                Map<String, String> env = new LinkedHashMap<>(config.environment());
                env.put(OrphanGuard.ENV, OrphanGuard.token()); // marks every process Python starts
                interpreter.set("_qwenvl_env", env);
                interpreter.exec("import os, sys\n"
                        + "sys.path[:0] = [str(p) for p in _qwenvl_paths if str(p) not in sys.path]\n"
                        + "os.environ.update({str(k): str(v) for k, v in _qwenvl_env.items()})\n"
                        + "del _qwenvl_env, _qwenvl_paths\n"
                        + "import qwenvl_bridge.signals as _s; _s.record(); del _s\n" // before anything native loads
                        + "import qwenvl_bridge.bridge as " + PythonBridge.ENTRY_ALIAS);
                int level = PythonLogSink.pythonLevelFor(LoggerFactory.getLogger(PythonLogSink.PREFIX + "root"));
                interpreter.invoke(PythonBridge.ENTRY_INSTALL_LOGGING, new PythonLogSink(), level);
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
     * Process-wide JEP settings, which can be made once per JVM: native library, CPython init
     * parameters, and the shared-interpreter config (site-packages, the Python half, stdout/stderr
     * to SLF4J). Later runtimes of the same environment reuse them.
     */
    private static void initialiseProcessOnce(PythonEnvironment env, Path bridgeDir) {
        if (processEnvironment != null) {
            return;
        }
        try {
            MainInterpreter.setJepLibraryPath(env.jepLibrary().toString());
            // Program name = the environment's python: CPython then derives sys.prefix (the venv) and
            // sys.executable from it, so child processes (multiprocessing spawn) use the right python.
            MainInterpreter.setInitParams(new PyConfig().setProgramName(env.executable().toString())
                    .setNoUserSiteDirectory(1));
        } catch (IllegalStateException alreadyInitialised) {
            LOG.debug("CPython was already initialised by other code in this JVM: {}", alreadyInitialised.getMessage());
        }
        JepConfig jepConfig = new JepConfig();
        jepConfig.addIncludePaths(bridgeDir.toString());
        env.sitePackages().forEach(p -> jepConfig.addIncludePaths(p.toString()));
        jepConfig.redirectStdout(new LineLogOutputStream(LoggerFactory.getLogger(PythonLogSink.PREFIX + "stdout"), false));
        jepConfig.redirectStdErr(new LineLogOutputStream(LoggerFactory.getLogger(PythonLogSink.PREFIX + "stderr"), true));
        try {
            SharedInterpreter.setConfig(jepConfig);
        } catch (JepException alreadyConfigured) {
            throw new PythonEnvironmentException("JEP's shared interpreter was configured by other code in this JVM; "
                    + "qwenvl-jep must own the embedded Python of its process", alreadyConfigured);
        }
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
                throw translate(py, name, e);
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
        PythonThreadStuckException stuckNow = stuck;
        if (stuckNow != null) {
            throw stuckNow;
        }
        Future<T> future;
        try {
            future = executor.submit(() -> {
                runningSince = System.nanoTime();
                try {
                    return work.call();
                } finally {
                    runningSince = 0;
                    stuck = null; // the task that kept the thread busy (if any) has ended
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
                    giveUpIfStuck(future);
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

    /**
     * The death check of a waiting call: when a watched child process has been dead for longer than
     * the grace period and the thread is still busy in a task that started before the death was
     * seen, that task waits on the dead process: the call is given up (and the runtime refuses
     * calls until the task ends) rather than waiting forever.
     */
    private void giveUpIfStuck(Future<?> future) {
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

    /** The child processes calls depend on; a call stuck on a dead one is given up (see {@link #submit}). */
    ChildProcesses children() {
        return children;
    }

    private static RuntimeException translate(Interpreter py, String call, JepException e) {
        Object details;
        try {
            details = py.invoke(PythonBridge.ENTRY_TAKE_LAST_ERROR);
        } catch (JepException nested) {
            details = null;
        }
        if (details instanceof List<?> d && d.size() >= 3) {
            String domain = d.size() >= 6 && d.get(3) != null ? String.valueOf(d.get(3)) : null;
            String reason = d.size() >= 6 && d.get(4) != null ? String.valueOf(d.get(4)) : null;
            Map<String, Object> extra = new LinkedHashMap<>();
            if (d.size() >= 6 && d.get(5) instanceof Map<?, ?> m) {
                m.forEach((k, v) -> {
                    if (v != null) {
                        extra.put(String.valueOf(k), v);
                    }
                });
            }
            return new PythonException(call, String.valueOf(d.get(0)), String.valueOf(d.get(1)), String.valueOf(d.get(2)),
                    domain, reason, extra, e);
        }
        return new PythonException(call, "unknown", String.valueOf(e.getMessage()), "", e);
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
        try {
            closeInterpreter();
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
    }

    /** Closes the interpreter on its thread, waiting at most {@link #CLOSE_WAIT_SECONDS}. */
    private void closeInterpreter() {
        if (stuck != null) {
            LOG.warn("Not closing the embedded Python interpreter: its thread is still busy ({})", stuck.getMessage());
            return;
        }
        Future<?> future;
        try {
            future = executor.submit(() -> {
                if (interpreter != null) {
                    try {
                        if (stdio != null) {
                            stdio.close(interpreter);
                        }
                        interpreter.close();
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
            if (!executor.awaitTermination(stuck != null ? 1 : 30, TimeUnit.SECONDS) && stuck == null) {
                LOG.warn("The {} thread did not end within 30 s of close()", THREAD_NAME);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
