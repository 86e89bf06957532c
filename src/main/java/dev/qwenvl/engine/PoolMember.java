package dev.qwenvl.engine;

/**
 * One engine slot of an {@link EnginePool}: its engine, its state and its counts. Not
 * thread-safe: every field is guarded by the pool's lock, and every method is called under it.
 */
final class PoolMember {
    final int index;
    final DeviceGroup devices;
    LlmEngine engine;
    EnginePool.MemberState state = EnginePool.MemberState.LIVE;
    int inFlight;
    long answered;
    int deaths;
    int restarts;
    /** The last death, cause included; null while the member never died. */
    EngineDiedException lastDeath;
    /** Bumped on every (re)start, so that a late failure of an old engine is not taken for the new one's. */
    int generation;

    PoolMember(int index, DeviceGroup devices, LlmEngine engine) {
        this.index = index;
        this.devices = devices;
        this.engine = engine;
    }

    /** 1-based, as logs and messages name it. */
    int number() {
        return index + 1;
    }

    /**
     * Records a death of the engine of {@code generation}. Returns true when this is news (the
     * member was live on that engine): the caller then restarts or retires it. A second report of
     * the same death that names its cause where the recorded one did not (see
     * {@link EngineDeaths#saysMore}) replaces the recorded one, whichever arrived first.
     */
    boolean died(int generation, EngineDiedException death) {
        if (generation != this.generation) {
            return false; // an old engine's late failure: its death was recorded when it happened
        }
        if (state != EnginePool.MemberState.LIVE) {
            if (lastDeath != null && EngineDeaths.saysMore(death, lastDeath)) {
                lastDeath = death;
            }
            return false;
        }
        state = EnginePool.MemberState.DEAD;
        deaths++;
        lastDeath = death;
        return true;
    }

    /** The engine started again after a death. */
    void restarted(LlmEngine fresh) {
        engine = fresh;
        generation++;
        restarts++;
        state = EnginePool.MemberState.LIVE;
    }

    EnginePool.Member snapshot() {
        return new EnginePool.Member(index, devices, state, inFlight, answered, deaths, restarts,
                lastDeath == null ? null : lastDeath.getMessage());
    }
}
