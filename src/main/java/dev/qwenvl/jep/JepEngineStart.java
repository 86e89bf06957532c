package dev.qwenvl.jep;

import dev.qwenvl.engine.DeviceGroup;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a {@link JepLlmEngine}: constructs {@code vllm.LLM} in the interpreter (on the
 * interpreter thread, or on a Python thread of its own that this thread polls), registers the
 * engine's processes with the runtime's watch, and holds the {@link OrphanGuard} while it runs.
 */
final class JepEngineStart {
    private static final Logger LOG = LoggerFactory.getLogger(JepEngineStart.class);
    /** How often a construction on its own Python thread is asked whether it has ended. */
    static final long CONSTRUCTION_POLL_MILLIS = 200;

    private JepEngineStart() {}

    /** {@link #create} under the orphan guard, which is released again when the start fails. */
    static JepLlmEngine guarded(PythonRuntime runtime, EngineArgs args, DeviceGroup devices, boolean ownThread) {
        OrphanGuard.acquire(runtime.environment().executable());
        try {
            return create(new EngineBridge(runtime), args, devices, ownThread);
        } catch (RuntimeException | Error e) {
            OrphanGuard.release();
            throw e;
        }
    }

    private static long construct(EngineBridge bridge, EngineArgs args, DeviceGroup devices, boolean ownThread) {
        String pinnedTo = devices.isCpu() ? null : devices.visibleDevices(); // None in Python: not pinned
        if (!ownThread) {
            return bridge.create(args.toKwargs(), pinnedTo);
        }
        long ticket = bridge.startCreate(args.toKwargs(), pinnedTo);
        boolean interrupted = false;
        try {
            while (true) { // an engine being built cannot be stopped halfway: wait for it, keep the interrupt
                Optional<Long> id = bridge.created(ticket);
                if (id.isPresent()) {
                    return id.get();
                }
                try {
                    Thread.sleep(CONSTRUCTION_POLL_MILLIS);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static JepLlmEngine create(EngineBridge bridge, EngineArgs args, DeviceGroup devices, boolean ownThread) {
        long engineId;
        try {
            engineId = construct(bridge, args, devices, ownThread);
        } catch (PythonException e) { // not a BridgeError (those arrive typed: vllm missing or unsupported, fork refused)
            throw new EngineException("vLLM could not load the model at " + args.model() + ": " + e.pythonType() + ": "
                    + e.pythonMessage() + " (check that the folder holds the model's weights and config; the Python "
                    + "traceback is in the cause)", e);
        }
        List<Long> pids = new ArrayList<>();
        for (EngineBridge.EngineProcess p : bridge.processes(engineId)) {
            bridge.runtime().children().watch(p.pid(), p.name());
            pids.add(p.pid());
        }
        LOG.info("vLLM engine {} loaded {}{} (engine processes: {})", engineId, args.model(),
                devices.isCpu() ? "" : " on devices " + devices, pids.isEmpty() ? "none, in-process" : pids);
        JepLlmEngine engine = new JepLlmEngine(bridge, engineId, args.model(), List.copyOf(pids));
        EngineShutdown.opened(engine, pids); // closed by the JVM's shutdown hook unless closed before
        return engine;
    }
}
