package dev.qwenvl.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Several engines of one model behind one {@link LlmEngine}: one member per device group (see
 * {@link Devices}), fed from one stream of requests. Engine-neutral: members come from an
 * {@link LlmEngineFactory}.
 *
 * <ul>
 *   <li><b>Routing.</b> {@link #submit} fills members before it spreads: a request goes to the
 *       busiest live member that holds fewer than {@link Options#fill()} requests, and when every
 *       live member holds that many, to the one with the fewest (the first such member on a tie,
 *       either way). With a fill of 1 every request goes to the least-loaded member. Filling keeps
 *       an engine's steps full while the feed, not the accelerators, is the limit: each step of
 *       an engine costs the host about the same CPU and interpreter time whether it carries one request
 *       or several ({@code docs/pools.md}). {@link #generate} is the interface's, over submit.</li>
 *   <li><b>Start.</b> Members start one after another (never two engine starts at once: concurrent
 *       vLLM starts collide on shared compile caches); a member that fails to start closes those
 *       already started and the start fails.</li>
 *   <li><b>Death.</b> A member died when a request of it fails with {@link EngineDiedException} or
 *       when {@link EngineDeaths#of} says so (asked before each routing): either way the member's
 *       own {@link EngineDiedException} is recorded, with its cause (a signal, an exit code), and
 *       a later report of the same death that names the cause replaces one that did not. Every
 *       request the member had in flight is submitted again to the live members: the caller's
 *       future completes once, with one caption. The death is logged at WARN and kept in
 *       {@link #members()}. The dead member is closed and started again on the pool's restart
 *       thread ({@link MemberRestarts}), at most {@link Options#restartsPerMember()} times; while
 *       it restarts the others go on.</li>
 *   <li>{@link #death()} is present when no member is live and none is restarting (it names every
 *       member's last death); requests fail with it then.</li>
 *   <li>{@link #close()} closes every member (their in-flight requests fail as closed); idempotent.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class EnginePool implements LlmEngine {
    private static final Logger LOG = LoggerFactory.getLogger(EnginePool.class);

    /**
     * @param restartsPerMember how often a dead member is started again (0: never)
     * @param fill              requests a member takes before a less busy member gets one (1: every
     *                          request to the least-loaded member); see Routing above
     */
    public record Options(int restartsPerMember, int fill) {
        /** Requests a member takes before the next one gets any, by default. */
        public static final int DEFAULT_FILL = 4;
        /** A dead member restarts once; members fill to {@link #DEFAULT_FILL}. */
        public static final Options DEFAULTS = new Options(1, DEFAULT_FILL);

        public Options {
            if (restartsPerMember < 0) {
                throw new IllegalArgumentException("restartsPerMember must be at least 0, got " + restartsPerMember);
            }
            Optional<String> wrongFill = fillProblem("fill", fill);
            if (wrongFill.isPresent()) {
                throw new IllegalArgumentException(wrongFill.get());
            }
        }

        /** What is wrong with a fill given as the setting {@code name}, if anything (the one rule for every config that carries it). */
        public static Optional<String> fillProblem(String name, int fill) {
            return fill >= 1 ? Optional.empty()
                    : Optional.of(name + " must be at least 1 (1: always the least-loaded engine), got " + fill);
        }

        /** These options with another {@link #fill()}. */
        public Options withFill(int fill) {
            return new Options(restartsPerMember, fill);
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

    private final EngineArgs args;
    private final Options options;
    private final List<PoolMember> slots;
    private final Object lock = new Object();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final MemberRestarts restarts;
    /** Resubmissions after a death, over the pool's life; guarded by lock. */
    private long resubmitted;

    private EnginePool(LlmEngineFactory factory, EngineArgs args, Options options, List<PoolMember> slots) {
        this.args = args;
        this.options = options;
        this.slots = List.copyOf(slots);
        this.restarts = new MemberRestarts(options.restartsPerMember(), devices -> PoolStart.startMember(factory, args, devices),
                lock, closed::get);
    }

    /**
     * Starts one engine per device group, one after another ({@link PoolStart}).
     *
     * @throws EngineException when a member cannot start (the started ones are closed first); the
     *                         message names the member's devices
     */
    public static EnginePool start(LlmEngineFactory factory, EngineArgs args, List<DeviceGroup> groups, Options options) {
        Objects.requireNonNull(factory, "factory");
        Objects.requireNonNull(args, "args");
        Objects.requireNonNull(options, "options");
        return new EnginePool(factory, args, options, PoolStart.startAll(factory, args, groups));
    }

    /**
     * Starts the engines {@code devices} asks for: {@link Devices#resolve} over the factory's
     * {@linkplain LlmEngineFactory#visibleDevices() visible devices} and the engine's
     * {@code tensor_parallel_size}. {@code devices=all} without any accelerator logs at WARN that
     * it runs one engine on the CPU.
     */
    public static EnginePool start(LlmEngineFactory factory, EngineArgs args, Devices devices, Options options) {
        return start(factory, args, PoolStart.groups(factory, args, devices), options);
    }

    /** Every member as it is now, in device order. */
    public List<Member> members() {
        synchronized (lock) {
            List<Member> out = new ArrayList<>(slots.size());
            for (PoolMember s : slots) {
                out.add(s.snapshot());
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
    public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(sampling, "sampling");
        CompletableFuture<Generation> result = new CompletableFuture<>();
        route(request, sampling, result, 0);
        return result;
    }

    /** Gives the request to a live member; on that member's death, again to another. */
    private void route(EngineRequest request, SamplingParams sampling, CompletableFuture<Generation> result, int attempt) {
        if (closed.get()) {
            result.completeExceptionally(new EngineException("the engine pool for " + args.model() + " is closed"));
            return;
        }
        PoolMember slot;
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
        CompletableFuture<Generation> inner;
        try {
            inner = engine.submit(request, sampling);
        } catch (RuntimeException e) {
            inner = CompletableFuture.failedFuture(e);
        }
        inner.whenComplete((caption, error) -> {
            Throwable cause = error == null ? null : SubmittedBatch.cause(error);
            EngineDiedException death = cause == null || closed.get() ? null
                    : cause instanceof EngineDiedException own ? own : EngineDeaths.of(engine).orElse(null);
            synchronized (lock) {
                slot.inFlight--;
                if (death == null) {
                    slot.answered++;
                } else {
                    memberDied(slot, generation, death);
                }
            }
            if (death == null) {
                if (cause == null) {
                    result.complete(caption);
                } else {
                    result.completeExceptionally(cause);
                }
                return;
            }
            if (attempt + 1 > slots.size() * (1 + options.restartsPerMember())) {
                result.completeExceptionally(death);
                return;
            }
            synchronized (lock) {
                resubmitted++;
            }
            route(request, sampling, result, attempt + 1);
        });
    }

    /**
     * The busiest live member under the fill, else the live member with the fewest requests in
     * flight (the first one on a tie, either way); null when none is live. Holds the lock.
     */
    private PoolMember pick() {
        PoolMember fewest = null;
        PoolMember filling = null;
        for (PoolMember s : slots) {
            if (s.state != MemberState.LIVE) {
                continue;
            }
            Optional<EngineDiedException> death = EngineDeaths.of(s.engine); // died while idle: nobody told the pool yet
            if (death.isPresent()) {
                memberDied(s, s.generation, death.get());
                continue;
            }
            if (fewest == null || s.inFlight < fewest.inFlight) {
                fewest = s;
            }
            if (s.inFlight < options.fill() && (filling == null || s.inFlight > filling.inFlight)) {
                filling = s;
            }
        }
        return filling != null ? filling : fewest;
    }

    /** Records a member's death (its own exception, cause included) and restarts it when it has a restart left. Holds the lock. */
    private void memberDied(PoolMember slot, int generation, EngineDiedException death) {
        if (slot.died(generation, death)) {
            restarts.afterDeath(slot);
        }
    }

    private EngineDiedException allDead() {
        StringBuilder why = new StringBuilder();
        synchronized (lock) {
            for (PoolMember s : slots) {
                why.append(why.length() == 0 ? "" : "; ").append("engine ").append(s.number()).append(" (devices ")
                        .append(s.devices).append("): ")
                        .append(s.lastDeath == null ? "closed" : s.lastDeath.getMessage());
            }
        }
        return new EngineDiedException("every engine of the pool for " + args.model() + " died and none is restarting ("
                + why + "); start a new pool (QwenVL.setup() restarts it)", "EngineCore", -1, null, null, null);
    }

    /** The members' stream figures added up (live members only). */
    @Override
    public StreamStats streamStats() {
        List<LlmEngine> live = new ArrayList<>();
        synchronized (lock) {
            for (PoolMember s : slots) {
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

    /** Present when no member is live and none is restarting: names every member's last death. */
    @Override
    public Optional<EngineDiedException> death() {
        synchronized (lock) {
            for (PoolMember s : slots) {
                if (s.state == MemberState.RESTARTING
                        || (s.state == MemberState.LIVE && EngineDeaths.of(s.engine).isEmpty())) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(allDead());
    }

    /** Closes every member (their requests in flight fail as closed) and the restart thread; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        restarts.close(); // a restart in progress ends with its start
        List<LlmEngine> toClose = new ArrayList<>();
        synchronized (lock) {
            for (PoolMember s : slots) {
                if (s.state != MemberState.CLOSED) {
                    toClose.add(s.engine);
                    s.state = MemberState.CLOSED;
                }
            }
        }
        toClose.forEach(EnginePool::closeQuietly);
        LOG.info("Engine pool for {} closed ({} engines)", args.model(), slots.size());
    }

    static void closeQuietly(LlmEngine engine) {
        try {
            engine.close();
        } catch (RuntimeException e) {
            LOG.warn("Closing an engine of the pool failed: {}", e.getMessage(), e);
        }
    }
}
