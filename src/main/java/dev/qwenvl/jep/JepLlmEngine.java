package dev.qwenvl.jep;

import dev.qwenvl.engine.DeviceGroup;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import dev.qwenvl.engine.SubmittedBatch;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine facade over vLLM in the embedded interpreter ({@code qwenvl_bridge.engine}, through
 * {@link EngineBridge}). The only engine code that knows Python exists.
 *
 * <p>One path: {@link #submit} is the engine's primitive. The first submit starts the engine's
 * request stream ({@link RequestStream}: one vLLM engine loop on a Python thread, fed request by
 * request, continuous batching); {@link #generate} is {@code SubmittedBatch} over it (the interface's default). Frames held
 * by Java cross as {@link jep.DirectNDArray} views of their direct buffers (nothing is copied);
 * frames decoded in Python cross as handles ({@link PythonRequests}). Thread-safe.
 *
 * <p>Death: vLLM runs its engine core in a child process. The Python side watches it
 * ({@code qwenvl_bridge.enginewatch}, the one place that decides a death there) and answers every
 * request in flight with {@code ENGINE_DIED}, naming the process, pid, exit code and signal; the
 * runtime also watches the core's pid from Java ({@link ChildProcesses}) and gives up a call still
 * stuck 20 s after the death. Either way every request in flight and every later one fails with
 * {@link EngineDiedException}, the first death recorded ({@link #death()}); {@link #isDead()} turns
 * true. While the engine is open an {@link OrphanGuard} makes sure its processes die with the JVM.
 */
public final class JepLlmEngine implements LlmEngine {
    private static final Logger LOG = LoggerFactory.getLogger(JepLlmEngine.class);

    private final EngineBridge bridge;
    private final PythonRuntime runtime;
    private final long engineId;
    private final String model;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** How long a second close() waits for the first to end. */
    static final int SECOND_CLOSE_WAIT_SECONDS = 60;

    /** Counted down when the first close() has ended; later callers wait for it. */
    private final CountDownLatch closeEnded = new CountDownLatch(1);
    private volatile Thread closingThread;
    /** The pids of the engine's child processes, watched by the runtime. */
    private final List<Long> pids;
    /** Set once the engine's process died (the first death reported wins). */
    private volatile EngineDiedException died;
    /** The request stream, started by the first submit; guarded by this for the start. */
    private volatile RequestStream stream;

    JepLlmEngine(EngineBridge bridge, long engineId, String model, List<Long> pids) {
        this.bridge = bridge;
        this.runtime = bridge.runtime();
        this.engineId = engineId;
        this.model = model;
        this.pids = pids;
    }

    /** The engine's id in the interpreter's registry ({@code qwenvl_bridge.engines}). */
    long engineId() {
        return engineId;
    }

    /** A factory that starts engines in {@code runtime}, pinned to devices when asked ({@link JepEngineFactory}). */
    public static LlmEngineFactory factory(PythonRuntime runtime) {
        Objects.requireNonNull(runtime, "runtime");
        return new JepEngineFactory(() -> runtime);
    }

    /** Constructs {@code vllm.LLM} with {@link EngineArgs#toKwargs()} (one interpreter call). */
    public static JepLlmEngine start(PythonRuntime runtime, EngineArgs args) {
        return JepEngineStart.guarded(runtime, args, DeviceGroup.CPU, false);
    }

    /**
     * Constructs {@code vllm.LLM} with {@link EngineArgs#toKwargs()}, its engine process seeing
     * only {@code devices} ({@code CUDA_VISIBLE_DEVICES}); {@link DeviceGroup#CPU}: not pinned.
     * The construction runs on a Python thread of its own ({@code qwenvl_bridge.engine.start_create})
     * and this thread polls for its end, so that the interpreter thread stays free meanwhile for
     * the engines already running (an engine pool starting a member again goes on with the others).
     */
    public static JepLlmEngine start(PythonRuntime runtime, EngineArgs args, DeviceGroup devices) {
        return JepEngineStart.guarded(runtime, args, Objects.requireNonNull(devices, "devices"), true);
    }

    /** The engine's death with its cause (process, pid, exit code or signal), once it died. */
    @Override
    public Optional<EngineDiedException> death() {
        return Optional.ofNullable(died);
    }

    /**
     * The request's {@link Generation} as vLLM reports it: text, finish reason, prompt tokens
     * (video included) and output tokens, and vLLM's per-request times (queued, first token,
     * total; null when vLLM reports none, see {@code qwenvl_bridge.stream}).
     */
    @Override
    public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(sampling, "sampling");
        try {
            checkUsable();
            return stream().submit(request, sampling);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public StreamStats streamStats() {
        RequestStream s = stream;
        return s == null ? StreamStats.NONE : s.stats();
    }

    private RequestStream stream() {
        RequestStream s = stream;
        if (s != null) {
            return s;
        }
        synchronized (this) {
            if (stream == null) {
                checkUsable();
                stream = new RequestStream(bridge, engineId, model, pids, deaths);
                LOG.info("vLLM engine {} for {} streams requests from now on", engineId, model);
            }
            return stream;
        }
    }

    private void checkUsable() {
        if (closed.get()) {
            throw new EngineException("The engine for " + model + " is closed; call setup() on a new model");
        }
        EngineDiedException dead = died;
        if (dead != null) {
            throw dead.again("The engine for " + model + " died earlier");
        }
    }

    /** How this engine accounts for and records a death its stream reports. */
    private final RequestStream.Deaths deaths = new RequestStream.Deaths() {
        @Override
        public EngineDiedException account(EngineDiedException reported) {
            return accountOf(reported);
        }

        @Override
        public void record(EngineDiedException death) {
            died(death);
        }
    };

    /**
     * The engine's account of a death a stream request reported: the death recorded already, else
     * the report; one that does not say how the process ended (vLLM's own notice, or Java's
     * fallback) gets the engine watch's account (process, pid, exit code or signal).
     */
    private EngineDiedException accountOf(EngineDiedException reported) {
        EngineDiedException already = died;
        if (already != null) {
            return already;
        }
        String what = "vLLM stopped the engine's request stream on " + model;
        if (reported.signal().isEmpty() && reported.exitCode().isEmpty()) {
            try {
                Optional<EngineBridge.Death> seen = bridge.death(engineId);
                if (seen.isPresent()) {
                    return seen.get().toException(what + ": ", reported);
                }
            } catch (RuntimeException nested) {
                LOG.debug("Reading the engine's death details failed: {}", nested.toString());
            }
        }
        return reported.again(what);
    }

    /** Records the death (first one wins) and stops watching the engine's processes. */
    private synchronized EngineDiedException died(EngineDiedException e) {
        if (died == null) {
            died = e;
            LOG.warn("{}", e.getMessage());
        }
        pids.forEach(runtime.children()::forget);
        return died;
    }

    /**
     * Shuts the vLLM engine down in Python; idempotent. The runtime stays open. A caller that comes
     * while another thread is closing (e.g. the library's and Spark's shutdown hooks) returns when
     * that close has ended, or after {@value #SECOND_CLOSE_WAIT_SECONDS} s with a WARN.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            awaitOtherClose();
            return;
        }
        closingThread = Thread.currentThread();
        try {
            closeOnce();
        } finally {
            closeEnded.countDown();
        }
    }

    private void awaitOtherClose() {
        if (Thread.currentThread() == closingThread) {
            return; // called back from inside our own close
        }
        try {
            if (!closeEnded.await(SECOND_CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("vLLM engine {} for {}: the close started on thread '{}' has not ended after {} s; not waiting longer",
                        engineId, model, closingThread == null ? "?" : closingThread.getName(), SECOND_CLOSE_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeOnce() {
        EngineShutdown.closed(this);
        RequestStream s;
        synchronized (this) {
            s = stream;
        }
        long started = System.nanoTime();
        if (s != null) {
            s.close(); // aborts the requests in flight: their futures fail, none is left hanging
        }
        long streamClosed = System.nanoTime();
        pids.forEach(runtime.children()::forget); // a shutdown is not a death
        boolean closedCleanly = false;
        long vllmClosed = streamClosed;
        try {
            bridge.close(engineId);
            closedCleanly = true;
        } catch (RuntimeException e) {
            LOG.warn("Closing vLLM engine {} for {} failed: {}", engineId, model, e.getMessage(), e);
        } finally {
            vllmClosed = System.nanoTime();
            OrphanGuard.release(); // the last engine's release removes any process left behind
        }
        if (closedCleanly) {
            long end = System.nanoTime();
            LOG.info("vLLM engine {} for {} closed in {} s (request stream {} s, vLLM {} s, orphan guard {} s)", engineId,
                    model, seconds(end - started), seconds(streamClosed - started), seconds(vllmClosed - streamClosed),
                    seconds(end - vllmClosed));
        }
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e9);
    }
}
