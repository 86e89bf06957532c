package dev.qwenvl.jep;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What the feed benchmark ({@code dev.qwenvl.benchmark.FeedBenchmark}) needs from the Python
 * half: the engine arguments that swap vLLM's model executor for the instant stand-in
 * ({@code python/qwenvl_bridge/instant_core.py}, never imported by the caption path), and the CPU
 * time of the interpreter's Python threads.
 */
public final class FeedProbes {
    /** vLLM resolves an executor by its import path: the stand-in is selected by this value. */
    static final String INSTANT_EXECUTOR = "qwenvl_bridge.instant_core.InstantExecutor";
    /** The key under vLLM's {@code additional_config} that the stand-in reads its settings from. */
    static final String INSTANT_CONFIG_KEY = "qwenvl_instant_core";

    private FeedProbes() {}

    /**
     * Engine arguments that make a vLLM engine run the instant core: no weights, no model, every
     * step answers each request with one token of a fixed sequence after sleeping {@code stepMs}
     * milliseconds in the engine-core process (0: at once). vLLM's front end stays its own.
     */
    public static Map<String, Object> instantCoreEngineArgs(double stepMs) {
        if (!(stepMs >= 0)) {
            throw new IllegalArgumentException("stepMs must be 0 or more, got " + stepMs);
        }
        Map<String, Object> args = new HashMap<>();
        args.put("distributed_executor_backend", INSTANT_EXECUTOR);
        args.put("additional_config", Map.of(INSTANT_CONFIG_KEY, Map.of("step_ms", stepMs)));
        return args;
    }

    /**
     * Sets how long each step of {@code engine}'s instant core sleeps from now on (see
     * {@link #instantCoreEngineArgs}), in its engine-core process: one set of engines then serves
     * passes with different step times. Call it while the engine holds no request.
     *
     * @throws IllegalArgumentException when {@code stepMs} is negative
     */
    public static void setInstantStepMs(PythonRuntime runtime, JepLlmEngine engine, double stepMs) {
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(engine, "engine");
        if (!(stepMs >= 0)) {
            throw new IllegalArgumentException("stepMs must be 0 or more, got " + stepMs);
        }
        new PythonBridge(runtime).call(PythonBridge.BENCHMARK, "set_instant_step_ms", engine.engineId(), stepMs);
    }

    /**
     * CPU seconds used so far by each live Python thread of {@code runtime}'s interpreter, by
     * native thread id (the interpreter thread, engine loops, decode lanes).
     */
    public static Map<Long, Double> pythonThreadCpuSeconds(PythonRuntime runtime) {
        Objects.requireNonNull(runtime, "runtime");
        Object answer = new PythonBridge(runtime).call(PythonBridge.BENCHMARK, "python_cpu_seconds");
        Map<Long, Double> out = new HashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) answer).entrySet()) {
            out.put(((Number) e.getKey()).longValue(), ((Number) e.getValue()).doubleValue());
        }
        return out;
    }

    /** CPU seconds the Python threads used between two readings (a thread new in {@code after} counts whole). */
    public static double cpuSecondsBetween(Map<Long, Double> before, Map<Long, Double> after) {
        double total = 0;
        for (Map.Entry<Long, Double> e : after.entrySet()) {
            total += Math.max(0, e.getValue() - before.getOrDefault(e.getKey(), 0.0));
        }
        return total;
    }
}
