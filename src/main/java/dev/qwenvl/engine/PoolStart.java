package dev.qwenvl.engine;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How an {@link EnginePool} starts its members: the device groups, and one engine start after another. */
final class PoolStart {
    private static final Logger LOG = LoggerFactory.getLogger(EnginePool.class);

    private PoolStart() {}

    /** One member per group, started one after another; on a failed start the started ones are closed. */
    static List<PoolMember> startAll(LlmEngineFactory factory, EngineArgs args, List<DeviceGroup> groups) {
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("an engine pool needs at least one device group");
        }
        List<PoolMember> started = new ArrayList<>();
        for (DeviceGroup g : groups) {
            long t0 = System.nanoTime();
            LlmEngine engine;
            try {
                engine = startMember(factory, args, g);
            } catch (RuntimeException e) {
                started.forEach(s -> EnginePool.closeQuietly(s.engine));
                throw new EngineException("engine " + (started.size() + 1) + " of " + groups.size() + " (devices "
                        + g + ") did not start: " + e.getMessage(), e);
            }
            started.add(new PoolMember(started.size(), g, engine));
            LOG.info("Engine pool: engine {} of {} on devices {} started in {} s", started.size(), groups.size(), g,
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        }
        return started;
    }

    /** The device groups {@code devices} resolves to over the factory's visible devices. */
    static List<DeviceGroup> groups(LlmEngineFactory factory, EngineArgs args, Devices devices) {
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
        return groups;
    }

    static LlmEngine startMember(LlmEngineFactory factory, EngineArgs args, DeviceGroup g) {
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

}
