package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import dev.qwenvl.jep.ChildProcesses;
import dev.qwenvl.jep.PythonRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java half of one engine's request stream ({@code qwenvl_bridge.stream}): futures by request
 * id, and a poller thread that collects finished requests.
 *
 * <p>The engine loop runs on a Python thread of the embedded interpreter; Java never waits on it
 * while holding the interpreter thread. {@link #submit} makes one short interpreter call (the
 * request is rendered and enqueued); the poller thread ({@code qwenvl-stream-poller-N}) makes one
 * short {@code take} call every {@value #POLL_MILLIS} ms while requests are pending and
 * completes each future by its own id. Nothing is polled while nothing is pending.
 *
 * <p>Death: the Python loop answers every pending request with {@code EngineDied} when the engine
 * watch sees the core die (within moments); as a fallback the poller fails every pending future
 * when a watched engine process has been dead for the runtime's grace period (20 s,
 * {@code -Dqwenvl.python.deathGraceSeconds}) without an answer.
 */
final class RequestStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestStream.class);
    static final String MODULE = PythonBridge.STREAM;
    /** How often the poller collects finished requests while any are pending. */
    static final long POLL_MILLIS = 5;

    private record Pending(CompletableFuture<String> future, EngineRequest request) {
    }

    private final PythonRuntime runtime;
    private final long engineId;
    private final String model;
    /** Turns the Python side's death message into the engine's (recorded) death. */
    private final Function<String, EngineDiedException> onDeath;
    /** This engine's processes: another engine's death (in an engine pool) is not this one's. */
    private final List<Long> pids;
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Object wake = new Object();
    private final Thread poller;
    private volatile boolean closed;
    /** The sampling parameters the Python stream holds; guarded by this. */
    private SamplingParams lastSampling;

    RequestStream(PythonRuntime runtime, long engineId, String model, List<Long> pids,
                  Function<String, EngineDiedException> onDeath) {
        this.runtime = runtime;
        this.pids = List.copyOf(pids);
        this.engineId = engineId;
        this.model = model;
        this.onDeath = onDeath;
        runtime.call(MODULE, "start", engineId);
        this.poller = new Thread(this::poll, "qwenvl-stream-poller-" + engineId);
        poller.setDaemon(true);
        poller.start();
    }

    CompletableFuture<String> submit(EngineRequest request, SamplingParams sampling) {
        CompletableFuture<String> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(closedError());
            return future;
        }
        long id = ids.incrementAndGet();
        pending.put(id, new Pending(future, request)); // keeps the frames' memory alive until answered
        Map<String, Object> extra = request.pixelBounds() == null ? null : request.pixelBounds().processorKwargs();
        try {
            synchronized (this) {
                Map<String, Object> samplingKwargs = sampling.equals(lastSampling) ? null : sampling.toKwargs();
                try {
                    runtime.call(MODULE, "submit", engineId, id, JepLlmEngine.promptText(request.prompt()),
                            JepLlmEngine.toPython(request.video()), request.fps(), extra, samplingKwargs);
                    lastSampling = sampling;
                } catch (RuntimeException e) {
                    lastSampling = null;
                    throw e;
                }
            }
        } catch (RuntimeException e) {
            pending.remove(id);
            future.completeExceptionally(new EngineException("Submitting a request to vLLM on " + model + " failed: "
                    + e.getMessage(), e));
            return future;
        }
        synchronized (wake) {
            wake.notifyAll();
        }
        return future;
    }

    StreamStats stats() {
        if (closed) {
            return StreamStats.NONE;
        }
        List<?> s = (List<?>) runtime.call(MODULE, "stats", engineId);
        return new StreamStats(num(s.get(0)), num(s.get(1)), num(s.get(2)), num(s.get(3)), num(s.get(4)));
    }

    /** Requests submitted and not yet answered (Java's count). */
    int pendingCount() {
        return pending.size();
    }

    private static long num(Object o) {
        return ((Number) o).longValue();
    }

    private void poll() {
        while (!closed) {
            if (pending.isEmpty()) {
                synchronized (wake) {
                    if (pending.isEmpty() && !closed) {
                        try {
                            wake.wait(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
                continue;
            }
            List<?> done;
            try {
                done = (List<?>) runtime.call(MODULE, "take", engineId);
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.error("Collecting finished requests of vLLM on {} failed: {}", model, e.toString(), e);
                    failAll(e instanceof EngineException ee ? ee
                            : new EngineException("Collecting finished requests of vLLM on " + model + " failed: "
                                    + e.getMessage(), e));
                }
                return;
            }
            deliver(done);
            giveUpIfDead();
            if (done.isEmpty()) {
                try {
                    TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private void deliver(List<?> done) {
        for (Object o : done) {
            List<?> entry = (List<?>) o;
            long id = num(entry.get(0));
            Pending p = pending.remove(id);
            if (p == null) {
                LOG.warn("vLLM on {} answered request {} which nobody waits for", model, id);
                continue;
            }
            if (entry.get(2) == null) {
                p.future().complete((String) entry.get(1));
                continue;
            }
            String kind = String.valueOf(entry.get(2));
            String message = String.valueOf(entry.get(3));
            p.future().completeExceptionally(switch (kind) {
                case "EngineDied", "EngineDeadError" -> onDeath.apply(message); // ours, or vLLM's own notice
                case "Aborted" -> closedError();
                default -> new EngineException("vLLM refused a request on " + model + ": " + kind + ": " + message
                        + " (prompt starts: " + abbreviate(JepLlmEngine.promptText(p.request().prompt())) + ")");
            });
        }
    }

    /** The fallback when the Python side did not answer a death (see the class notes). */
    private void giveUpIfDead() {
        ChildProcesses.Death death = runtime.children().check(pids).orElse(null);
        if (death == null) {
            return;
        }
        long grace = TimeUnit.SECONDS.toNanos(Long.getLong("qwenvl.python.deathGraceSeconds", 20));
        if (System.nanoTime() - death.seenNanos() < grace) {
            return;
        }
        failAll(onDeath.apply("vLLM's engine process " + death.describe() + " and its pending requests were not "
                + "answered; start a new engine (QwenVL.setup() restarts it)"));
    }

    private void failAll(EngineException error) {
        for (Long id : new ArrayList<>(pending.keySet())) {
            Pending p = pending.remove(id);
            if (p != null) {
                p.future().completeExceptionally(error);
            }
        }
    }

    private EngineException closedError() {
        return new EngineException("The engine for " + model + " was closed before the request finished");
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /**
     * Aborts the requests in flight (each future fails with an {@link EngineException} saying the
     * engine was closed), stops the Python loop and the poller. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            poller.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            deliver((List<?>) runtime.call(MODULE, "stop", engineId));
        } catch (RuntimeException e) {
            LOG.warn("Stopping the request stream of vLLM on {} failed: {}", model, e.toString());
        }
        failAll(closedError());
    }
}
