package dev.qwenvl.caption;

import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.LlmEngineFactory;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongPredicate;

/**
 * Streaming stand-in engines, no Python: every {@link LlmEngine#submit} is answered
 * {@code "cap-<video id>"} (the {@link OpaqueVideo} id) after {@code delayMillis}, so answers are
 * deterministic whatever the order. Counts the requests in flight at once across all engines it
 * started, and can kill an engine as vLLM's engine core dies: every pending future fails with
 * {@link EngineDiedException}, later submits fail with it, {@link LlmEngine#isDead()} turns true.
 * The batch call ({@code generate}) fails the test: captioning streams.
 */
public final class FakeStreamEngines implements LlmEngineFactory {
    private final long delayMillis;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-engine-timer");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final AtomicInteger submits = new AtomicInteger();
    private final Map<Long, AtomicInteger> submitted = new ConcurrentHashMap<>();
    private final Map<Long, AtomicInteger> answered = new ConcurrentHashMap<>();
    private final List<Engine> started = Collections.synchronizedList(new ArrayList<>());
    /** A request whose video id matches kills the engine it reaches (a poison input). */
    private volatile LongPredicate poison = id -> false;
    /** The n-th submit (counted over all engines) kills the engine it reaches; 0 never. */
    private volatile int killAtSubmit;

    public FakeStreamEngines(long delayMillis) {
        this.delayMillis = delayMillis;
    }

    public FakeStreamEngines poison(LongPredicate videoIds) {
        this.poison = videoIds;
        return this;
    }

    /**
     * A killed engine fails its requests first and reports itself dead ({@code isDead()}) only
     * {@code millis} later, as the real engine's request stream does (it fails every request of
     * the take, then records the death); submits meanwhile fail with the death.
     */
    public FakeStreamEngines recordDeathLate(long millis) {
        this.recordDeathLateMillis = millis;
        return this;
    }

    private volatile long recordDeathLateMillis;

    public FakeStreamEngines killAtSubmit(int n) {
        this.killAtSubmit = n;
        return this;
    }

    @Override
    public LlmEngine start(EngineArgs args) {
        Engine e = new Engine(started.size());
        started.add(e);
        return e;
    }

    /** Engines started so far (the first one and every restart). */
    public int starts() {
        return started.size();
    }

    /** The most requests any engine held at once. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** How many times the request of video {@code id} was submitted. */
    public int submitted(long id) {
        AtomicInteger n = submitted.get(id);
        return n == null ? 0 : n.get();
    }

    /** How many times a caption of video {@code id} was answered. */
    public int answered(long id) {
        AtomicInteger n = answered.get(id);
        return n == null ? 0 : n.get();
    }

    public Map<Long, AtomicInteger> answeredAll() {
        return answered;
    }

    /** The engine started {@code index}-th (0 the first). */
    public Engine engine(int index) {
        return started.get(index);
    }

    public final class Engine implements LlmEngine {
        private final int index;
        private final Map<CompletableFuture<Generation>, Long> pending = new ConcurrentHashMap<>();
        private volatile EngineDiedException died;
        /** Killed, its requests failed, the death not recorded yet (see recordDeathLate). */
        private volatile EngineDiedException dying;

        Engine(int index) {
            this.index = index;
        }

        @Override
        public List<String> generate(List<EngineRequest> requests, SamplingParams sampling) {
            throw new AssertionError("captioning streams: the batch call is never made");
        }

        @Override
        public synchronized CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
            long id = ((OpaqueVideo) request.video()).id();
            submitted.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            int n = submits.incrementAndGet();
            EngineDiedException dead = died != null ? died : dying;
            if (dead != null) {
                return CompletableFuture.failedFuture(dead.again("submit to a dead engine"));
            }
            CompletableFuture<Generation> f = new CompletableFuture<>();
            pending.put(f, id);
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            if (poison.test(id) || n == killAtSubmit) {
                kill();
                return f;
            }
            timer.schedule(() -> answer(f), delayMillis, TimeUnit.MILLISECONDS);
            return f;
        }

        private synchronized void answer(CompletableFuture<Generation> f) {
            Long id = pending.remove(f);
            if (id != null) {
                inFlight.decrementAndGet();
                answered.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                f.complete(Generation.ofText("cap-" + id));
            }
        }

        /** Dies as a killed engine core: every pending request fails with {@link EngineDiedException}. */
        public synchronized void kill() {
            EngineDiedException death = new EngineDiedException("engine process EngineCore (pid " + (1000 + index)
                    + ") was killed by signal 9 (SIGKILL)", "EngineCore", 1000 + index, null, "SIGKILL", null);
            long late = recordDeathLateMillis;
            if (late > 0) {
                dying = death;
                timer.schedule(() -> died = death, late, TimeUnit.MILLISECONDS);
            } else {
                died = death;
            }
            List<CompletableFuture<Generation>> lost = new ArrayList<>(pending.keySet());
            pending.clear();
            inFlight.addAndGet(-lost.size());
            lost.forEach(f -> f.completeExceptionally(death));
        }

        @Override
        public boolean isDead() {
            return died != null;
        }

        @Override
        public StreamStats streamStats() {
            return new StreamStats(pending.size(), 0, 0, 0, 0);
        }

        @Override
        public void close() {
            if (died == null && dying == null) {
                kill();
            }
        }
    }
}
