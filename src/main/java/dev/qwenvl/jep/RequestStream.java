package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Java half of one engine's request stream ({@code qwenvl_bridge.stream}, called through
 * {@link EngineBridge}): futures by request id, and a poller thread that collects finished requests.
 *
 * <p>The engine loop runs on a Python thread of the embedded interpreter; Java never waits on it
 * while holding the interpreter thread. {@link #submit} makes one short interpreter call (the
 * request is rendered and enqueued); the poller thread ({@code qwenvl-stream-poller-N}) makes one
 * short {@code take} call every {@value #POLL_MILLIS} ms while requests are pending and
 * completes each future by its own id. Nothing is polled while nothing is pending.
 *
 * <p>Failures: a failed request comes back as a value with a reason ({@code REQUEST_FAILED},
 * {@code ENGINE_DIED}, {@code ABORTED}), mapped by {@link BridgeFailures#typed} like a raised one.
 *
 * <p>Death: the Python loop answers every pending request with {@code ENGINE_DIED} (naming the
 * dead process, pid, exit code and signal) when the engine watch sees the core die (within
 * moments); the futures fail with the engine's account of it, then the engine records it
 * ({@link Deaths}). As a fallback the poller fails every pending future when a watched engine
 * process has been dead for the runtime's grace period (20 s,
 * {@code -Dqwenvl.python.deathGraceSeconds}) without an answer.
 */
final class RequestStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RequestStream.class);
    /** How often the poller collects finished requests while any are pending. */
    static final long POLL_MILLIS = 5;

    private record Pending(CompletableFuture<Generation> future, EngineRequest request) {
    }

    private final EngineBridge bridge;
    private final PythonRuntime runtime;
    private final long engineId;
    private final String model;
    /** The engine's account of a death, and its record. */
    private final Deaths deaths;

    /**
     * How the engine accounts for a death a request reports. The futures are failed with the
     * account before the death is recorded, so that a caller waiting on them hears of the death
     * from its own request (with its cause) rather than from the engine's liveness flag.
     */
    interface Deaths {
        /** The death as the engine reports it: the one recorded already, or {@code reported} with its cause. */
        EngineDiedException account(EngineDiedException reported);

        /** Records the death as the engine's (the first one wins). */
        void record(EngineDiedException death);
    }
    /** This engine's processes: another engine's death (in an engine pool) is not this one's. */
    private final List<Long> pids;
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Object wake = new Object();
    private final Thread poller;
    private volatile boolean closed;
    /** The sampling parameters the Python stream holds; guarded by this. */
    private final SamplingCache sampling = new SamplingCache();

    RequestStream(EngineBridge bridge, long engineId, String model, List<Long> pids,
                  Deaths deaths) {
        this.bridge = bridge;
        this.runtime = bridge.runtime();
        this.pids = List.copyOf(pids);
        this.engineId = engineId;
        this.model = model;
        this.deaths = deaths;
        bridge.startStream(engineId);
        this.poller = new Thread(this::poll, "qwenvl-stream-poller-" + engineId);
        poller.setDaemon(true);
        poller.start();
    }

    /** The request's {@link Generation}: its text, finish reason, vLLM's token counts and times. */
    CompletableFuture<Generation> submit(EngineRequest request, SamplingParams params) {
        CompletableFuture<Generation> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(closedError());
            return future;
        }
        long id = ids.incrementAndGet();
        pending.put(id, new Pending(future, request)); // keeps the frames' memory alive until answered
        Map<String, Object> extra = request.pixelBounds() == null ? null : request.pixelBounds().processorKwargs();
        try {
            synchronized (this) {
                try {
                    bridge.submit(engineId, id, PythonRequests.promptText(request.prompt()),
                            PythonRequests.video(request.video()), request.fps(), extra, sampling.toSend(params));
                    sampling.sent(params);
                } catch (RuntimeException e) {
                    sampling.forget();
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
        return bridge.stats(engineId);
    }

    /** Requests submitted and not yet answered (Java's count). */
    int pendingCount() {
        return pending.size();
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
            List<EngineBridge.Finished> done;
            try {
                done = bridge.take(engineId);
            } catch (PythonThreadStuckException e) { // the interpreter thread waits on a dead child
                if (!closed) {
                    failAllDead(new EngineDiedException("vLLM's engine cannot be reached: " + e.getMessage(),
                            e.death().name(), e.death().pid(), null, null, e));
                }
                return;
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

    private void deliver(List<EngineBridge.Finished> done) {
        EngineDiedException death = null;
        for (EngineBridge.Finished f : done) {
            Pending p = pending.remove(f.id());
            if (p == null) {
                LOG.warn("vLLM on {} answered request {} which nobody waits for", model, f.id());
                continue;
            }
            if (f.failure() == null) {
                p.future().complete(f.generation());
                continue;
            }
            RuntimeException typed = BridgeFailures.typed(f.failure());
            if (typed instanceof EngineDiedException died) {
                death = death != null ? death : deaths.account(died);
                p.future().completeExceptionally(death);
                continue;
            }
            p.future().completeExceptionally(BridgeFailures.ABORTED.equals(f.failure().reason().orElse(null)) ? closedError()
                    : new EngineException("vLLM refused a request on " + model + ": " + f.failure().pythonType() + ": "
                            + f.failure().pythonMessage() + " (prompt starts: "
                            + abbreviate(PythonRequests.promptText(p.request().prompt())) + ")", typed));
        }
        if (death != null) {
            deaths.record(death); // after every request of this take heard of it
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
        failAllDead(new EngineDiedException("vLLM's engine process " + death.describe()
                + " and its pending requests were not answered; start a new engine (QwenVL.setup() restarts it)",
                death.name(), death.pid(), null, null, null));
    }

    /** Fails every pending request with the engine's account of {@code reported}, then records it. */
    private void failAllDead(EngineDiedException reported) {
        EngineDiedException death = deaths.account(reported);
        failAll(death);
        deaths.record(death);
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
            deliver(bridge.stopStream(engineId));
        } catch (RuntimeException e) {
            LOG.warn("Stopping the request stream of vLLM on {} failed: {}", model, e.toString());
        }
        failAll(closedError());
    }
}
