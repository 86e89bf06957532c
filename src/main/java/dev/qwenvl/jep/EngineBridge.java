package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineTimings;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.StreamStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The typed boundary of the engine and its request stream ({@code qwenvl_bridge.engine},
 * {@code qwenvl_bridge.stream}): the part of {@link PythonBridge}'s family that names their
 * functions, encodes the arguments and decodes every answer by name into a record. Failures are
 * mapped by {@link BridgeFailures#typed}, raised ones and stream values alike.
 *
 * <p>Thread-safe: every call goes through the runtime's one interpreter thread.
 */
final class EngineBridge {
    private static final String ENGINE = PythonBridge.ENGINE;
    private static final String STREAM = PythonBridge.STREAM;

    /** One child process of an engine (vLLM's engine core). */
    record EngineProcess(long pid, String name) {
    }

    /**
     * The death the engine watch saw: which process, how ({@code exitCode} null when killed by a
     * signal or unknown; {@code signal} null unless killed by one), and its message.
     */
    record Death(String process, long pid, Integer exitCode, String signal, String message) {
        EngineDiedException toException(String prefix, Throwable cause) {
            return new EngineDiedException(prefix + message, process, pid, exitCode, signal, cause);
        }
    }

    /**
     * A finished stream request: its {@link Generation} (text, finish reason, vLLM's token counts
     * and times, each null where vLLM reported none), or its failure (a {@link PythonException}
     * with the failure's domain, reason and details; map it with {@link BridgeFailures#typed}).
     * Exactly one of the two is non-null.
     */
    record Finished(long id, Generation generation, PythonException failure) {
    }

    private final PythonRuntime runtime;

    EngineBridge(PythonRuntime runtime) {
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    PythonRuntime runtime() {
        return runtime;
    }

    // --- engine ---

    /** Builds {@code vllm.LLM(**kwargs)} on the interpreter thread; returns its id. {@code pinnedTo} null: not pinned. */
    long create(Map<String, Object> kwargs, String pinnedTo) {
        return PythonBridge.number(call(ENGINE, "create", kwargs, pinnedTo), "engine id").longValue();
    }

    /** Like {@link #create} on a Python thread of its own: a ticket for {@link #created}. */
    long startCreate(Map<String, Object> kwargs, String pinnedTo) {
        return PythonBridge.number(call(ENGINE, "start_create", kwargs, pinnedTo), "ticket").longValue();
    }

    /** The engine id once the construction of {@code ticket} ended; empty while it runs. Its failure is raised. */
    Optional<Long> created(long ticket) {
        Object id = call(ENGINE, "created", ticket);
        return id == null ? Optional.empty() : Optional.of(PythonBridge.number(id, "engine id").longValue());
    }

    /** The engine's child processes (empty when it runs in-process). */
    List<EngineProcess> processes(long engineId) {
        List<EngineProcess> out = new ArrayList<>();
        for (Object o : PythonBridge.list(call(ENGINE, "processes", engineId))) {
            Map<?, ?> p = (Map<?, ?>) o;
            out.add(new EngineProcess(PythonBridge.number(p, "pid").longValue(), String.valueOf(p.get("name"))));
        }
        return out;
    }

    /** The death of the engine's process as the engine watch saw it; empty while its processes live. */
    Optional<Death> death(long engineId) {
        Object answer = call(ENGINE, "death", engineId);
        if (!(answer instanceof Map<?, ?> d)) {
            return Optional.empty();
        }
        Integer code = d.get("exit_code") instanceof Number n ? n.intValue() : null;
        return Optional.of(new Death(String.valueOf(d.get("process")), PythonBridge.number(d, "pid").longValue(), code,
                d.get("signal") == null ? null : String.valueOf(d.get("signal")), String.valueOf(d.get("message"))));
    }

    /** Shuts the engine down (its stream first); unknown ids are ignored. */
    void close(long engineId) {
        call(ENGINE, "close", engineId);
    }

    /** The accelerator ids this process may use ({@code CUDA_VISIBLE_DEVICES}, else NVML's count). */
    List<String> visibleDevices() {
        return PythonBridge.list(call(ENGINE, "visible_devices")).stream().map(String::valueOf).toList();
    }

    // --- request stream ---

    /** Starts the engine's loop thread (idempotent). */
    void startStream(long engineId) {
        call(STREAM, "start", engineId);
    }

    /**
     * Enqueues one request under {@code requestId}.
     *
     * @param video          the frames as Python takes them ({@link PythonRequests#video})
     * @param fps            the sampling rate, or null for the Python half's default
     * @param extraKwargs    further processor arguments, or null
     * @param samplingKwargs the sampling parameters, or null to reuse the stream's last ones ({@link SamplingCache})
     */
    void submit(long engineId, long requestId, String prompt, Object video, Double fps, Map<String, Object> extraKwargs,
                Map<String, Object> samplingKwargs) {
        call(STREAM, "submit", engineId, requestId, prompt, video, fps, extraKwargs, samplingKwargs);
    }

    /** The requests finished since the last take. */
    List<Finished> take(long engineId) {
        return finishedFromPython(call(STREAM, "take", engineId), STREAM + ".take");
    }

    /** Aborts what is in flight and ends the loop; returns the requests it answered as aborted. */
    List<Finished> stopStream(long engineId) {
        return finishedFromPython(call(STREAM, "stop", engineId), STREAM + ".stop");
    }

    /** The stream's counters. */
    StreamStats stats(long engineId) {
        Map<?, ?> s = (Map<?, ?>) call(STREAM, "stats", engineId);
        return new StreamStats(count(s, "held"), count(s, "steps"), count(s, "batched"), count(s, "submitted"),
                count(s, "finished"));
    }

    private static long count(Map<?, ?> s, String key) {
        return PythonBridge.number(s, key).longValue();
    }

    /**
     * Decodes the stream's finished requests by name ({@code qwenvl_bridge.stream.take}: id, text,
     * finish_reason, prompt_tokens, output_tokens, queued_s, first_token_s, total_s, failure);
     * failures become {@link PythonException}s of {@code call}.
     */
    static List<Finished> finishedFromPython(Object answer, String call) {
        List<Finished> out = new ArrayList<>();
        for (Object o : PythonBridge.list(answer)) {
            Map<?, ?> f = (Map<?, ?>) o;
            long id = PythonBridge.number(f, "id").longValue();
            if (f.get("failure") instanceof Map<?, ?> m) {
                out.add(new Finished(id, null, BridgeFailures.decode(call, m, null)));
                continue;
            }
            Generation g = new Generation(String.valueOf(f.get("text")),
                    f.get("finish_reason") == null ? null : String.valueOf(f.get("finish_reason")),
                    integer(f, "prompt_tokens"), integer(f, "output_tokens"),
                    new EngineTimings(seconds(f, "queued_s"), seconds(f, "first_token_s"), seconds(f, "total_s")));
            out.add(new Finished(id, g, null));
        }
        return out;
    }

    private static Integer integer(Map<?, ?> f, String key) {
        return f.get(key) instanceof Number n ? n.intValue() : null;
    }

    private static Double seconds(Map<?, ?> f, String key) {
        return f.get(key) instanceof Number n ? n.doubleValue() : null;
    }

    /** {@code module.function(*args)} with Python failures mapped by {@link BridgeFailures#typed}. */
    private Object call(String module, String function, Object... args) {
        try {
            return runtime.call(module, function, args);
        } catch (PythonException e) {
            throw BridgeFailures.typed(e);
        }
    }
}
