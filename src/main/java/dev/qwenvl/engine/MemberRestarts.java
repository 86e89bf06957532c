package dev.qwenvl.engine;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts dead members of an {@link EnginePool} again, one at a time on the pool's restart thread
 * (never two engine starts at once), at most {@code restartsPerMember} times each. The member's
 * fields are guarded by the pool's {@code lock}.
 */
final class MemberRestarts {
    private static final Logger LOG = LoggerFactory.getLogger(MemberRestarts.class);

    /** Starts one member's engine on its devices. */
    interface Starter {
        LlmEngine start(DeviceGroup devices);
    }

    private final int restartsPerMember;
    private final Starter starter;
    private final Object lock;
    private final BooleanSupplier closed;
    private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "qwenvl-pool-restart");
        t.setDaemon(true);
        return t;
    });

    MemberRestarts(int restartsPerMember, Starter starter, Object lock, BooleanSupplier closed) {
        this.restartsPerMember = restartsPerMember;
        this.starter = starter;
        this.lock = lock;
        this.closed = closed;
    }

    /**
     * After {@code member} died (recorded, state DEAD): schedules its restart when it has one left
     * and logs the death with its cause. Holds the pool's lock.
     */
    void afterDeath(PoolMember member) {
        boolean restart = member.restarts < restartsPerMember && !closed.getAsBoolean();
        LOG.warn("Engine pool: engine {} on devices {} died ({}); its requests go to the other engines{}",
                member.number(), member.devices, member.lastDeath.getMessage(),
                restart ? "; starting it again" : "; it is not started again");
        if (!restart) {
            return;
        }
        member.state = EnginePool.MemberState.RESTARTING;
        LlmEngine dead = member.engine;
        try {
            thread.execute(() -> restart(member, dead));
        } catch (RejectedExecutionException e) { // the pool closed meanwhile
            member.state = EnginePool.MemberState.DEAD;
        }
    }

    private void restart(PoolMember member, LlmEngine dead) {
        EnginePool.closeQuietly(dead);
        if (closed.getAsBoolean()) {
            return;
        }
        LlmEngine fresh;
        try {
            fresh = starter.start(member.devices);
        } catch (RuntimeException e) {
            LOG.warn("Engine pool: engine {} on devices {} could not be started again: {}", member.number(),
                    member.devices, e.getMessage(), e);
            synchronized (lock) {
                member.state = EnginePool.MemberState.DEAD;
                member.restarts++;
            }
            return;
        }
        synchronized (lock) {
            if (!closed.getAsBoolean()) {
                member.restarted(fresh);
                LOG.info("Engine pool: engine {} on devices {} runs again", member.number(), member.devices);
                return;
            }
            member.state = EnginePool.MemberState.CLOSED;
        }
        EnginePool.closeQuietly(fresh);
    }

    /** Stops the restart thread, waiting up to {@link EngineDeaths#RESTART_WAIT_SECONDS} for a restart in progress. */
    void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(EngineDeaths.RESTART_WAIT_SECONDS, TimeUnit.SECONDS)) {
                LOG.warn("Engine pool: a restart did not end within {} s; closing the others",
                        EngineDeaths.RESTART_WAIT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
