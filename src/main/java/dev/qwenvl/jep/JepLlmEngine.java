package dev.qwenvl.jep;

import dev.qwenvl.engine.ChatPrompt;
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
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.jep.OrphanGuard;
import dev.qwenvl.jep.PythonException;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.PythonThreadStuckException;
import dev.qwenvl.prompt.QwenPromptFormatter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import jep.DirectNDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine facade over vLLM in the embedded interpreter ({@code qwenvl_bridge.engine}). The only
 * engine code that knows Python exists.
 *
 * <p>One interpreter call per batch. Frames held by Java cross as {@link DirectNDArray} views of
 * their direct buffers (numpy sees the same memory, nothing is copied); frames decoded in Python
 * cross as handles. Thread-safe: calls queue to the runtime's interpreter thread.
 *
 * <p>Death: vLLM runs its engine core in a child process. The Python side watches it
 * ({@code qwenvl_bridge.enginewatch}) and ends a call waiting on a dead core at once; the runtime
 * also watches the core's pid from Java ({@link dev.qwenvl.jep.ChildProcesses}) and gives up a
 * call still stuck 20 s after the death. Either way the call, and every later one, throws
 * {@link EngineDiedException}; {@link #isDead()} turns true. While the engine is open an
 * {@link OrphanGuard} makes sure its processes die with the JVM.
 *
 * <p>Streaming: the first {@link #submit} starts the engine's request stream ({@link RequestStream}:
 * one vLLM engine loop on a Python thread, fed request by request, continuous batching). From
 * then on {@link #generate} goes through the stream too (its requests are submitted and awaited),
 * because only one loop may drive the engine. Before the first submit, {@link #generate} is one
 * {@code LLM.generate} call per batch, as it always was.
 */
public final class JepLlmEngine implements LlmEngine {
    private static final Logger LOG = LoggerFactory.getLogger(JepLlmEngine.class);
    static final String MODULE = PythonBridge.ENGINE;

    private final PythonRuntime runtime;
    private final long engineId;
    private final String model;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The sampling parameters the Python side holds for this engine; guarded by this. */
    private SamplingParams lastSampling;
    /** The pids of the engine's child processes, watched by the runtime. */
    private final List<Long> pids;
    /** Set once the engine's process died. */
    private volatile EngineDiedException died;
    /** The request stream, started by the first submit; guarded by this for the start. */
    private volatile RequestStream stream;

    private JepLlmEngine(PythonRuntime runtime, long engineId, String model, List<Long> pids) {
        this.runtime = runtime;
        this.engineId = engineId;
        this.model = model;
        this.pids = pids;
    }

    /** A factory that starts engines in {@code runtime}, pinned to devices when asked ({@link JepEngineFactory}). */
    public static LlmEngineFactory factory(PythonRuntime runtime) {
        Objects.requireNonNull(runtime, "runtime");
        return new JepEngineFactory(() -> runtime);
    }

    /** Constructs {@code vllm.LLM} with {@link EngineArgs#toKwargs()} (one interpreter call). */
    public static JepLlmEngine start(PythonRuntime runtime, EngineArgs args) {
        return guarded(runtime, args, DeviceGroup.CPU, false);
    }

    /**
     * Constructs {@code vllm.LLM} with {@link EngineArgs#toKwargs()}, its engine process seeing
     * only {@code devices} ({@code CUDA_VISIBLE_DEVICES}); {@link DeviceGroup#CPU}: not pinned.
     * The construction runs on a Python thread of its own ({@code qwenvl_bridge.engine.start_create})
     * and this thread polls for its end, so that the interpreter thread stays free meanwhile for
     * the engines already running (an engine pool starting a member again goes on with the others).
     */
    public static JepLlmEngine start(PythonRuntime runtime, EngineArgs args, DeviceGroup devices) {
        return guarded(runtime, args, Objects.requireNonNull(devices, "devices"), true);
    }

    /** {@link #create} under the orphan guard, which is released again when the start fails. */
    private static JepLlmEngine guarded(PythonRuntime runtime, EngineArgs args, DeviceGroup devices, boolean ownThread) {
        OrphanGuard.acquire(runtime.environment().executable());
        try {
            return create(runtime, args, devices, ownThread);
        } catch (RuntimeException | Error e) {
            OrphanGuard.release();
            throw e;
        }
    }

    /** How often a construction on its own Python thread is asked whether it has ended. */
    static final long CONSTRUCTION_POLL_MILLIS = 200;

    private static Object construct(PythonRuntime runtime, EngineArgs args, DeviceGroup devices, boolean ownThread) {
        String pinnedTo = devices.isCpu() ? null : devices.visibleDevices(); // None in Python: not pinned
        if (!ownThread) {
            return runtime.call(MODULE, "create", args.toKwargs(), pinnedTo);
        }
        Object ticket = runtime.call(MODULE, "start_create", args.toKwargs(), pinnedTo);
        boolean interrupted = false;
        try {
            while (true) { // an engine being built cannot be stopped halfway: wait for it, keep the interrupt
                Object id = runtime.call(MODULE, "created", ticket);
                if (id != null) {
                    return id;
                }
                try {
                    Thread.sleep(CONSTRUCTION_POLL_MILLIS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static JepLlmEngine create(PythonRuntime runtime, EngineArgs args, DeviceGroup devices, boolean ownThread) {
        Object id;
        try {
            id = construct(runtime, args, devices, ownThread);
        } catch (PythonException e) {
            if (PythonBridge.typed(e) instanceof EngineException known) { // vllm missing or unsupported, fork refused
                throw known;
            }
            throw new EngineException("vLLM could not load the model at " + args.model() + ": " + e.pythonType() + ": "
                    + e.pythonMessage() + " (check that the folder holds the model's weights and config; the Python "
                    + "traceback is in the cause)", e);
        }
        long engineId = ((Number) id).longValue();
        List<Long> pids = new ArrayList<>();
        for (Object p : (List<?>) runtime.call(MODULE, "processes", engineId)) {
            List<?> pidAndName = (List<?>) p;
            long pid = ((Number) pidAndName.get(0)).longValue();
            runtime.children().watch(pid, String.valueOf(pidAndName.get(1)));
            pids.add(pid);
        }
        LOG.info("vLLM engine {} loaded {}{} (engine processes: {})", id, args.model(),
                devices.isCpu() ? "" : " on devices " + devices, pids.isEmpty() ? "none, in-process" : pids);
        JepLlmEngine engine = new JepLlmEngine(runtime, engineId, args.model(), List.copyOf(pids));
        EngineShutdown.opened(engine, pids); // closed by the JVM's shutdown hook unless closed before
        return engine;
    }

    /** True once the engine's process died. */
    @Override
    public boolean isDead() {
        return died != null;
    }

    @Override
    public CompletableFuture<String> submit(EngineRequest request, SamplingParams sampling) {
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
                stream = new RequestStream(runtime, engineId, model, pids, this::diedInStream);
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

    private EngineDiedException diedInStream(String pythonMessage) {
        EngineDiedException already = died;
        if (already != null) {
            return already;
        }
        return died(fromPython("vLLM stopped the engine's request stream on " + model + ": ",
                new EngineException(pythonMessage)));
    }

    /** {@link #generate} through the stream: every request submitted, then all awaited. */
    private List<String> generateStreamed(RequestStream s, List<EngineRequest> requests, SamplingParams sampling) {
        List<CompletableFuture<String>> futures = new ArrayList<>(requests.size());
        for (EngineRequest r : requests) {
            futures.add(s.submit(r, sampling));
        }
        List<String> out = new ArrayList<>(futures.size());
        for (CompletableFuture<String> f : futures) {
            try {
                out.add(f.get());
            } catch (ExecutionException | CompletionException e) {
                futures.forEach(other -> other.cancel(false));
                Throwable cause = e.getCause();
                if (cause instanceof EngineDiedException ede) {
                    throw ede.again("vLLM generate for a batch of " + requests.size() + " requests on " + model
                            + " failed");
                }
                if (cause instanceof EngineException ee) {
                    throw new EngineException("vLLM generate failed for a batch of " + requests.size()
                            + " requests on " + model + ": " + ee.getMessage(), ee);
                }
                throw new EngineException("vLLM generate failed for a batch of " + requests.size() + " requests on "
                        + model + ": " + cause, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EngineException("Interrupted while waiting for a batch of " + requests.size()
                        + " requests on " + model, e);
            }
        }
        return out;
    }

    @Override
    public List<String> generate(List<EngineRequest> requests, SamplingParams sampling) {
        RequestStream s = stream;
        if (s != null) {
            Objects.requireNonNull(requests, "requests");
            Objects.requireNonNull(sampling, "sampling");
            if (requests.isEmpty()) {
                throw new IllegalArgumentException("an engine call needs at least one request");
            }
            checkUsable();
            return generateStreamed(s, requests, sampling);
        }
        List<?> texts = (List<?>) call("generate", requests, sampling);
        if (texts.size() != requests.size()) {
            throw new EngineException("vLLM returned " + texts.size() + " texts for " + requests.size() + " requests");
        }
        List<String> out = new ArrayList<>(texts.size());
        for (Object t : texts) {
            out.add((String) t);
        }
        return out;
    }

    /**
     * Like {@link #generate}, with the token counts vLLM reports for each request: prompt tokens
     * (text and video) and output tokens. For measurements (see {@code dev.qwenvl.benchmark}).
     */
    public List<Generation> generateCounted(List<EngineRequest> requests, SamplingParams sampling) {
        List<?> result = (List<?>) call("generate_counted", requests, sampling);
        List<?> texts = (List<?>) result.get(0);
        List<?> prompt = (List<?>) result.get(1);
        List<?> output = (List<?>) result.get(2);
        if (texts.size() != requests.size()) {
            throw new EngineException("vLLM returned " + texts.size() + " texts for " + requests.size() + " requests");
        }
        List<Generation> out = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            out.add(new Generation((String) texts.get(i), ((Number) prompt.get(i)).intValue(),
                    ((Number) output.get(i)).intValue()));
        }
        return out;
    }

    private Object call(String function, List<EngineRequest> requests, SamplingParams sampling) {
        Objects.requireNonNull(requests, "requests");
        Objects.requireNonNull(sampling, "sampling");
        if (closed.get()) {
            throw new EngineException("The engine for " + model + " is closed; call setup() on a new model");
        }
        if (requests.isEmpty()) {
            throw new IllegalArgumentException("an engine call needs at least one request");
        }
        EngineDiedException dead = died;
        if (dead != null) {
            throw dead.again("The engine for " + model + " died earlier");
        }
        int n = requests.size();
        String[] prompts = new String[n];
        Object[] videos = new Object[n];
        Object[] fps = new Object[n];
        List<Map<String, Object>> extraKwargs = null;
        for (int i = 0; i < n; i++) {
            EngineRequest r = requests.get(i);
            prompts[i] = promptText(r.prompt());
            videos[i] = toPython(r.video());
            fps[i] = r.fps(); // null: Python's default rate
            if (r.pixelBounds() != null) {
                if (extraKwargs == null) {
                    extraKwargs = new ArrayList<>(Collections.nCopies(n, null));
                }
                extraKwargs.set(i, r.pixelBounds().processorKwargs());
            }
        }
        // Calls run one at a time on the interpreter thread anyway; holding the lock across the call
        // keeps "what Python holds" and lastSampling in step when several threads generate at once.
        synchronized (this) {
            // Sampling parameters cross only when they change: the Python side keeps the last ones.
            Map<String, Object> samplingKwargs = sampling.equals(lastSampling) ? null : sampling.toKwargs();
            try {
                Object result = runtime.call(MODULE, function, engineId, prompts, videos, fps, extraKwargs, samplingKwargs);
                lastSampling = sampling;
                return result;
            } catch (PythonThreadStuckException e) {
                throw died(new EngineDiedException("vLLM generate for a batch of " + n + " requests on " + model
                        + " was given up: " + e.getMessage(), e.death().name(), e.death().pid(), null, null, e));
            } catch (PythonException e) {
                lastSampling = null; // resend next time: the Python side may not have stored them
                if (PythonBridge.isEngineDeath(e)) { // ours, or vLLM's own notice
                    throw died(fromPython("vLLM generate failed for a batch of " + n + " requests on " + model + ": ", e));
                }
                throw new EngineException("vLLM generate failed for a batch of " + n + " requests on " + model
                        + ": " + e.pythonType() + ": " + e.pythonMessage(), e);
            }
        }
    }

    private EngineDiedException fromPython(String prefix, RuntimeException e) {
        List<?> d = null;
        try {
            d = (List<?>) runtime.call(MODULE, "death", engineId);
        } catch (RuntimeException nested) {
            LOG.debug("Reading the engine's death details failed: {}", nested.toString());
        }
        if (d == null || d.size() < 5) { // vLLM reported the death before its process ended
            String message = e instanceof PythonException pe ? pe.pythonMessage() : e.getMessage();
            return new EngineDiedException(prefix + "vLLM's engine core died (" + message
                    + "); the engine cannot answer any more requests: start a new one (QwenVL.setup() restarts it)",
                    "EngineCore", pids.isEmpty() ? -1 : pids.get(0), null, null, e);
        }
        Integer code = d.get(2) instanceof Number num && num.intValue() >= 0 ? num.intValue() : null;
        return new EngineDiedException(prefix + d.get(4), String.valueOf(d.get(0)), ((Number) d.get(1)).longValue(),
                code, d.get(3) == null ? null : String.valueOf(d.get(3)), e);
    }

    /** Records the death (first one wins) and stops watching the engine's processes. */
    private EngineDiedException died(EngineDiedException e) {
        if (died == null) {
            died = e;
            LOG.warn("{}", e.getMessage());
        }
        pids.forEach(runtime.children()::forget);
        return e;
    }

    /**
     * The prompt vLLM receives: an instruction goes into the Qwen chat layout here, as the last
     * step before Python ({@link QwenPromptFormatter} with the family's system turn); a templated
     * prompt is sent as the caller wrote it.
     */
    static String promptText(ChatPrompt prompt) {
        if (prompt instanceof ChatPrompt.Instruction i) {
            return new QwenPromptFormatter(i.systemMessage()).format(i.text());
        }
        return ((ChatPrompt.Templated) prompt).text();
    }

    /** A payload as the Python side takes it: an ndarray over the same memory, or a handle id. */
    static Object toPython(VideoPayload video) {
        if (video instanceof PythonFrames h) {
            return h.id();
        }
        VideoPayload.Frames f = (VideoPayload.Frames) video;
        ByteBuffer view = f.data().slice(); // position 0 at the first frame byte, same memory
        return switch (f.dtype()) {
            case UINT8 -> new DirectNDArray<>(view, true, f.shape());
            case FLOAT32 -> new DirectNDArray<>(view.order(ByteOrder.nativeOrder()).asFloatBuffer(), f.shape());
        };
    }

    /** Shuts the vLLM engine down in Python; idempotent. The runtime stays open. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        EngineShutdown.closed(this);
        RequestStream s;
        synchronized (this) {
            s = stream;
        }
        if (s != null) {
            s.close(); // aborts the requests in flight: their futures fail, none is left hanging
        }
        pids.forEach(runtime.children()::forget); // a shutdown is not a death
        try {
            runtime.call(MODULE, "close", engineId);
            LOG.info("vLLM engine {} for {} closed", engineId, model);
        } catch (RuntimeException e) {
            LOG.warn("Closing vLLM engine {} for {} failed: {}", engineId, model, e.getMessage(), e);
        } finally {
            OrphanGuard.release(); // the last engine's release removes any process left behind
        }
    }
}
