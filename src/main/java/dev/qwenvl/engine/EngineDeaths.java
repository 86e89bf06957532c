package dev.qwenvl.engine;

import java.util.Optional;

/**
 * The one place that decides whether an engine died, and why. Every consumer ({@link
 * SubmittedBatch}'s liveness check, {@link EnginePool}'s members, {@code QwenVL.setup()}'s
 * restart) asks here, so they agree and each keeps the engine's own
 * {@link EngineDiedException}, cause included (process, pid, exit code or signal).
 *
 * <p>Also the one home of the engine package's waiting times: {@link #LIVENESS_CHECK_MILLIS}
 * and {@link #RESTART_WAIT_SECONDS}.
 */
public final class EngineDeaths {

    /**
     * How often a wait on an unfinished request asks the engine whether it died (see
     * {@link SubmittedBatch}, {@code QwenVL.generate}).
     */
    public static final long LIVENESS_CHECK_MILLIS = 1_000;

    /** How long closing an {@link EnginePool} waits for a member restart in progress (an engine start). */
    public static final long RESTART_WAIT_SECONDS = 300;

    private EngineDeaths() {}

    /**
     * The engine's death: its own {@link LlmEngine#death()}; for an engine that reports only
     * {@link LlmEngine#isDead()}, an {@link EngineDiedException} saying that the cause is
     * unknown; empty while the engine lives.
     */
    public static Optional<EngineDiedException> of(LlmEngine engine) {
        Optional<EngineDiedException> own = engine.death();
        if (own.isPresent() || !engine.isDead()) {
            return own;
        }
        return Optional.of(new EngineDiedException(engine.getClass().getSimpleName()
                + " reports that its process died but not why (it implements isDead() without death()); start a "
                + "new engine (QwenVL.setup() does)", "engine", -1, null, null, null));
    }

    /**
     * Whether {@code later} says more about a death than {@code recorded}: a signal or an exit
     * code where {@code recorded} has neither. Two reports of one death can arrive in either order
     * (the engine's own state and a failed request); the one that names its cause is kept.
     */
    public static boolean saysMore(EngineDiedException later, EngineDiedException recorded) {
        return hasCause(later) && !hasCause(recorded);
    }

    private static boolean hasCause(EngineDiedException e) {
        return e.signal().isPresent() || e.exitCode().isPresent();
    }
}
