package dev.qwenvl.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several engines of one model behind one {@link LlmEngine}: one member per device group (see
 * {@link Devices}), fed from one stream of requests. Engine-neutral: members come from an
 * {@link LlmEngineFactory}.
 *
 * <ul>
 *   <li><b>Routing.</b> {@link #submit} gives each request to the live member with the fewest
 *       requests in flight (the first such member on a tie). {@link #generate} goes through submit.</li>
 *   <li><b>Start.</b> Members start one after another (never two engine starts at once: concurrent
 *       vLLM starts collide on shared compile caches); a member that fails to start closes those
 *       already started and the start fails.</li>
 *   <li><b>Death.</b> When a member dies ({@link EngineDiedException}, or {@link LlmEngine#isDead()}),
 *       every request it had in flight is submitted again to the live members: the caller's future
 *       completes once, with one caption. The death is logged at WARN and kept in {@link #members()}.
 *       The dead member is closed and started again on the pool's restart thread, once per member
 *       ({@link Options#restartsPerMember()}); while it restarts the others go on.</li>
 *   <li>{@link #isDead()} is true when no member is live and none is restarting; requests fail
 *       with {@link EngineDiedException} then.</li>
 *   <li>{@link #close()} closes every member (their in-flight requests fail as closed); idempotent.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class EnginePool implements LlmEngine {
    private static final Logger LOG = LoggerFactory.getLogger(EnginePool.class);

    /**
     * @param restartsPerMember how often a dead member is started again (0: never)
     */
    public record Options(int restartsPerMember) {
        public static final Options DEFAULTS = new Options(1);

        public Options {
            if (restartsPerMember < 0) {
                throw new IllegalArgumentException("restartsPerMember must be at least 0, got " + restartsPerMember);
            }
        }
    }

    /** What a member is doing now. */
    public enum MemberState { LIVE, DEAD, RESTARTING, CLOSED }

    /**
     * One member as seen now.
     *
     * @param index     the member's position (0-based)
     * @param devices   the devices its engine is pinned to
     * @param state     live, dead (not restarted), restarting or closed
     * @param inFlight  requests it holds now
     * @param answered  requests it answered (captions and refusals) since the pool started
     * @param deaths    how often its engine died
     * @param restarts  how often its engine was started again
     * @param lastDeath the message of its last death, or null
     */
    public record Member(int index, DeviceGroup devices, MemberState state, int inFlight, long answered, int deaths,
                         int restarts, String lastDeath) {}

    /** One engine slot; the fields are guarded by the pool's lock. */
    private static final class Slot {
        final int index;
        final DeviceGroup devices;
        LlmEngine engine;
        MemberState state = MemberState.LIVE;
        int inFlight;
        long answered;
        int deaths;
        int restarts;
        String lastDeath;
        /** Bumped on every (re)start, so that a late failure of an old engine is not taken for the new one's. */
        int generation;

        Slot(int index, DeviceGroup devices, LlmEngine engine) {
            this.index = index;
            this.devices = devices;
            this.engine = engine;
        }
    }

    private final LlmEngineFactory factory;
    private final EngineArgs args;
    private final Options options;
    private final List<Slot> slots;
    private final Object lock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ExecutorService restarter;
    /** Resubmissions after a death, over the pool's life. */
    private long resubmitted;

    private EnginePool(LlmEngineFactory factory, EngineArgs args, Options options, List<Slot> slots) {
        this.factory = factory;
        this.args = args;
        this.options = options;
        this.slots = List.copyOf(slots);
        this.restarter = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "qwenvl-pool-restart");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts one engine per device group, one after another.
     *
     * @throws EngineException when a member cannot start (the started ones are closed first); the
     *                         message names the member's devices
     */
    public static EnginePool start(LlmEngineFactory factory, EngineArgs args, List<DeviceGroup> groups, Options options) {
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(options, "options");
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("an engine pool needs at least one device group");
        }
        List<Slot> started = new ArrayList<>();
        for (DeviceGroup g : groups) {
            long t0 = System.nanoTime();
            LlmEngine engine;
            try {
                engine = startMember(factory, args, g);
            } catch (RuntimeException e) {
                started.forEach(s -> closeQuietly(s.engine));
                throw new EngineException("engine " + (started.size() + 1) + " of " + groups.size() + " (devices "
                        + g + ") did not start: " + e.getMessage(), e);
            }
            started.add(new Slot(started.size(), g, engine));
            LOG.info("Engine pool: engine {} of {} on devices {} started in {} s", started.size(), groups.size(), g,
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        }
        return new EnginePool(factory, args, options, started);
    }

    /**
     * Starts the engines {@code devices} asks for: {@link Devices#resolve} over the factory's
     * {@linkplain LlmEngineFactory#visibleDevices() visible devices} and the engine's
     * {@code tensor_parallel_size}. {@code devices=all} without any accelerator logs at WARN that
     * it runs one engine on the CPU.
     */
    public static EnginePool start(LlmEngineFactory factory, EngineArgs args, Devices devices, Options options) {
        List<String> visible = devices.isAll() ? factory.visibleDevices() : List.of();
        List<DeviceGroup> groups = devices.resolve(visible, tensorParallelSize(args));
        if (devices.isAll()) {
            if (visible.isEmpty()) {
                LOG.warn("devices=all: no accelerator is visible (CUDA_VISIBLE_DEVICES unset or empty and the engine "
                        + "finds no GPU), so one engine runs on the CPU; to run several engines on the CPU, set "
                        + "devices to cpu,cpu (one engine per 'cpu')");
            } else {
                LOG.info("devices=all: {} visible device(s) {} -> {} engine(s) on {}", visible.size(), visible,
                        groups.size(), groups);
            }
        }
        return start(factory, args, groups, options);
    }

    private static LlmEngine startMember(LlmEngineFactory factory, EngineArgs args, DeviceGroup g) {
        LlmEngine engine = factory.start(args, g);
        if (engine == null) {
            throw new EngineException("the engine factory returned no engine for " + args.model());
        }
        return engine;
    }

    /** The {@code tensor_parallel_size} engine argument, 1 when unset. */
    static int tensorParallelSize(EngineArgs args) {
        Object tp = args.extra().get("tensor_parallel_size");
        if (tp == null) {
            return 1;
        }
        if (tp instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(tp.toString().strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("tensor_parallel_size must be a whole number, got '" + tp + "'", e);
        }
    }

    /** Every member as it is now, in device order. */
    public List<Member> members() {
        synchronized (lock) {
            List<Member> out = new ArrayList<>(slots.size());
            for (Slot s : slots) {
                out.add(new Member(s.index, s.devices, s.state, s.inFlight, s.answered, s.deaths, s.restarts,
                        s.lastDeath));
            }
            return out;
        }
    }

    /** Requests submitted again after their member died, over the pool's life. */
    public long resubmitted() {
        synchronized (lock) {
            return resubmitted;
        }
    }

    @Override
    public CompletableFuture<String> submit(EngineRequest request, SamplingParams sampling) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(sampling, "sampling");
        CompletableFuture<String> result = new CompletableFuture<>();
        route(request, sampling, result, 0);
        return result;
    }

    /** Gives the request to a live member; on that member's death, again to another. */
    private void route(EngineRequest request, SamplingParams sampling, CompletableFuture<String> result, int attempt) {
        if (closed.get()) {
            result.completeExceptionally(new EngineException("the engine pool for " + args.model() + " is closed"));
            return;
        }
        Slot slot;
        LlmEngine engine;
        int generation;
        synchronized (lock) {
            slot = pick();
            if (slot == null) {
                result.completeExceptionally(allDead());
                return;
            }
            slot.inFlight++;
            engine = slot.engine;
            generation = slot.generation;
        }
        CompletableFuture<String> inner;
        try {
            inner = engine.submit(request, sampling);
        } catch (RuntimeException e) {
            inner = CompletableFuture.failedFuture(e);
        }
        inner.whenComplete((caption, error) -> {
            synchronized (lock) {
                slot.inFlight--;
                if (error == null || !(SubmittedBatch.cause(error) instanceof EngineDiedException)) {
                    slot.answered++;
                }
            }
            if (error == null) {
                result.complete(caption);
                return;
            }
            Throwable cause = SubmittedBatch.cause(error);
            if (!closed.get() && (cause instanceof EngineDiedException || engine.isDead())) {
                memberDied(slot, generation, cause);
                if (attempt + 1 > slots.size() * (1 + options.restartsPerMember())) {
                    result.completeExceptionally(cause);
                    return;
                }
                synchronized (lock) {
                    resubmitted++;
                }
                route(request, sampling, result, attempt + 1);
                return;
            }
            result.completeExceptionally(cause);
        });
    }

    /** The live member with the fewest requests in flight; null when none is live. Holds the lock. */
    private Slot pick() {
        Slot best = null;
        for (Slot s : slots) {
            if (s.state != MemberState.LIVE) {
                continue;
            }
            if (s.engine.isDead()) { // died while idle: nobody has told the pool yet
                markDead(s, "its engine reports it is dead");
                continue;
            }
            if (best == null || s.inFlight < best.inFlight) {
                best = s;
            }
        }
        return best;
    }

    private void memberDied(Slot slot, int generation, Throwable cause) {
        synchronized (lock) {
            if (slot.generation != generation || slot.state != MemberState.LIVE) {
                return; // this death was handled already (or concerns an engine since replaced)
            }
            markDead(slot, cause.getMessage());
        }
    }

    /** Records a member's death and schedules its restart when it has one left. Holds the lock. */
    private void markDead(Slot slot, String why) {
        slot.state = MemberState.DEAD;
        slot.deaths++;
        slot.lastDeath = why;
        boolean restart = slot.restarts < options.restartsPerMember() && !closed.get();
        LOG.warn("Engine pool: engine {} on devices {} died ({}); its requests go to the other engines{}",
                slot.index + 1, slot.devices, why, restart ? "; starting it again" : "; it is not started again");
        if (restart) {
            slot.state = MemberState.RESTARTING;
            LlmEngine dead = slot.engine;
            try {
                restarter.execute(() -> restart(slot, dead));
            } catch (RuntimeException e) { // the pool closed meanwhile
                slot.state = MemberState.DEAD;
            }
        }
    }

    private void restart(Slot slot, LlmEngine dead) {
        closeQuietly(dead);
        if (closed.get()) {
            return;
        }
        LlmEngine fresh;
        try {
            fresh = startMember(factory, args, slot.devices);
        } catch (RuntimeException e) {
            LOG.warn("Engine pool: engine {} on devices {} could not be started again: {}", slot.index + 1,
                    slot.devices, e.getMessage(), e);
            synchronized (lock) {
                slot.state = MemberState.DEAD;
                slot.restarts++;
            }
            return;
        }
        synchronized (lock) {
            if (closed.get()) {
                slot.state = MemberState.CLOSED;
            } else {
                slot.engine = fresh;
                slot.generation++;
                slot.restarts++;
                slot.state = MemberState.LIVE;
                LOG.info("Engine pool: engine {} on devices {} runs again", slot.index + 1, slot.devices);
                return;
            }
        }
        closeQuietly(fresh);
    }

    private EngineDiedException allDead() {
        StringBuilder why = new StringBuilder();
        synchronized (lock) {
            for (Slot s : slots) {
                why.append(why.length() == 0 ? "" : "; ").append("engine ").append(s.index + 1).append(" (devices ")
                        .append(s.devices).append("): ").append(s.lastDeath);
            }
        }
        return new EngineDiedException("every engine of the pool for " + args.model() + " died and none is restarting ("
                + why + "); start a new pool (QwenVL.setup() restarts it)", "EngineCore", -1, null, null, null);
    }

    @Override
    public List<String> generate(List<EngineRequest> requests, SamplingParams sampling) {
        return SubmittedBatch.generate(this, requests, sampling, "the engine pool for " + args.model());
    }

    /** The members' stream figures added up (live members only). */
    @Override
    public StreamStats streamStats() {
        List<LlmEngine> live = new ArrayList<>();
        synchronized (lock) {
            for (Slot s : slots) {
                if (s.state == MemberState.LIVE) {
                    live.add(s.engine);
                }
            }
        }
        long held = 0, steps = 0, batched = 0, submitted = 0, finished = 0;
        for (LlmEngine e : live) {
            StreamStats s;
            try {
                s = e.streamStats();
            } catch (RuntimeException ex) {
                continue; // a member that died meanwhile
            }
            held += s.held();
            steps += s.steps();
            batched += s.batched();
            submitted += s.submitted();
            finished += s.finished();
        }
        return new StreamStats(held, steps, batched, submitted, finished);
    }

    @Override
    public boolean isDead() {
        synchronized (lock) {
            for (Slot s : slots) {
                if (s.state == MemberState.RESTARTING || (s.state == MemberState.LIVE && !s.engine.isDead())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Closes every member (their requests in flight fail as closed) and the restart thread; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        restarter.shutdown();
        try {
            if (!restarter.awaitTermination(5, TimeUnit.MINUTES)) { // a restart in progress ends with its start
                LOG.warn("Engine pool: a restart did not end within 5 minutes; closing the others");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        List<LlmEngine> toClose = new ArrayList<>();
        synchronized (lock) {
            for (Slot s : slots) {
                if (s.state != MemberState.CLOSED) {
                    toClose.add(s.engine);
                    s.state = MemberState.CLOSED;
                }
            }
        }
        toClose.forEach(EnginePool::closeQuietly);
        LOG.info("Engine pool for {} closed ({} engines)", args.model(), slots.size());
    }

    private static void closeQuietly(LlmEngine engine) {
        try {
            engine.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing an engine of the pool failed: {}", e.getMessage(), e);
        }
    }
}
