package dev.qwenvl.engine;

import dev.qwenvl.python.PythonException;
import dev.qwenvl.python.PythonRuntime;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 */
public final class JepLlmEngine implements LlmEngine {
    private static final Logger LOG = LoggerFactory.getLogger(JepLlmEngine.class);
    static final String MODULE = "qwenvl_bridge.engine";

    private final PythonRuntime runtime;
    private final long engineId;
    private final String model;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** The sampling parameters the Python side holds for this engine; guarded by this. */
    private SamplingParams lastSampling;

    private JepLlmEngine(PythonRuntime runtime, long engineId, String model) {
        this.runtime = runtime;
        this.engineId = engineId;
        this.model = model;
    }

    /** A factory that starts engines in {@code runtime}. */
    public static LlmEngineFactory factory(PythonRuntime runtime) {
        Objects.requireNonNull(runtime, "runtime");
        return args -> start(runtime, args);
    }

    /** Constructs {@code vllm.LLM} with {@link EngineArgs#toKwargs()}. */
    public static JepLlmEngine start(PythonRuntime runtime, EngineArgs args) {
        Object id;
        try {
            id = runtime.call(MODULE, "create", args.toKwargs());
        } catch (PythonException e) {
            if (e.isType("VllmNotInstalled") || e.isType("VllmVersionUnsupported")) {
                throw new EngineUnavailableException(e.pythonMessage(), e);
            }
            if (e.isType("UnsafeStartMethod")) {
                throw new UnsafeStartMethodException(e.pythonMessage(), e);
            }
            throw new EngineException("vLLM could not load the model at " + args.model() + ": " + e.pythonType() + ": "
                    + e.pythonMessage() + " (check that the folder holds the model's weights and config; the Python "
                    + "traceback is in the cause)", e);
        }
        LOG.info("vLLM engine {} loaded {}", id, args.model());
        return new JepLlmEngine(runtime, ((Number) id).longValue(), args.model());
    }

    @Override
    public List<String> generate(List<EngineRequest> requests, SamplingParams sampling) {
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
        int n = requests.size();
        String[] prompts = new String[n];
        Object[] videos = new Object[n];
        double[] fps = new double[n];
        List<Map<String, Object>> extraKwargs = null;
        for (int i = 0; i < n; i++) {
            EngineRequest r = requests.get(i);
            prompts[i] = r.prompt();
            videos[i] = toPython(r.video());
            Object rate = r.processorKwargs().get("fps");
            fps[i] = rate instanceof Number num ? num.doubleValue() : Double.NaN;
            if (r.processorKwargs().size() > (rate == null ? 0 : 1)) {
                if (extraKwargs == null) {
                    extraKwargs = new ArrayList<>(Collections.nCopies(n, null));
                }
                Map<String, Object> extra = new LinkedHashMap<>(r.processorKwargs());
                extra.remove("fps");
                extraKwargs.set(i, extra);
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
            } catch (PythonException e) {
                lastSampling = null; // resend next time: the Python side may not have stored them
                throw new EngineException("vLLM generate failed for a batch of " + n + " requests on " + model
                        + ": " + e.pythonType() + ": " + e.pythonMessage(), e);
            }
        }
    }

    /** A payload as the Python side takes it: an ndarray over the same memory, or a handle id. */
    static Object toPython(VideoPayload video) {
        if (video instanceof VideoPayload.PythonHandle h) {
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
        try {
            runtime.call(MODULE, "close", engineId);
            LOG.info("vLLM engine {} for {} closed", engineId, model);
        } catch (RuntimeException e) {
            LOG.warn("Closing vLLM engine {} for {} failed: {}", engineId, model, e.getMessage(), e);
        }
    }
}
