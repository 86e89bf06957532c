package dev.qwenvl.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which devices a model runs on: the {@code devices} setting.
 *
 * <ul>
 *   <li>{@link #DEFAULT}: one engine, not pinned (the engine sees every device the process sees;
 *       with {@code tensor_parallel_size} it takes that many). The library's behaviour without the setting.</li>
 *   <li>{@link #ALL}: one engine per visible accelerator, or per {@code tensor_parallel_size}
 *       consecutive accelerators; see {@link #resolve}.</li>
 *   <li>a list of {@link DeviceGroup}s: one engine per group, e.g. {@code 0,1,2,3} (four engines),
 *       {@code 0+1,2+3} (two engines, tensor parallel over two devices each) or {@code cpu,cpu}
 *       (two engines on the CPU, which is how tests run a pool without accelerators).</li>
 * </ul>
 *
 * <p>Two or more engines form an {@link EnginePool}. Immutable.
 */
public final class Devices {
    /** One unpinned engine (the setting's default). */
    public static final Devices DEFAULT = new Devices(Kind.DEFAULT, List.of());
    /** Every visible accelerator. */
    public static final Devices ALL = new Devices(Kind.ALL, List.of());

    private enum Kind { DEFAULT, ALL, LISTED }

    private final Kind kind;
    private final List<DeviceGroup> groups;

    private Devices(Kind kind, List<DeviceGroup> groups) {
        this.kind = kind;
        this.groups = List.copyOf(groups);
    }

    /** One engine per group, in this order. */
    public static Devices of(List<DeviceGroup> groups) {
        Objects.requireNonNull(groups, "groups");
        if (groups.isEmpty()) {
            throw new IllegalArgumentException("devices needs at least one device group");
        }
        return new Devices(Kind.LISTED, groups);
    }

    /**
     * Parses the setting's text: {@code all}, {@code default}, or comma-separated groups, each a
     * device id, ids joined by {@code +} (one engine over several devices), or {@code cpu}.
     *
     * @throws IllegalArgumentException naming the wrong part and the valid forms
     */
    public static Devices parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip();
        if (t.equalsIgnoreCase("all")) {
            return ALL;
        }
        if (t.equalsIgnoreCase("default") || t.isEmpty()) {
            return DEFAULT;
        }
        List<DeviceGroup> groups = new ArrayList<>();
        for (String part : t.split(",", -1)) {
            String p = part.strip();
            if (p.equalsIgnoreCase("cpu")) {
                groups.add(DeviceGroup.CPU);
                continue;
            }
            List<String> ids = new ArrayList<>();
            for (String id : p.split("\\+", -1)) {
                if (id.isBlank()) {
                    throw new IllegalArgumentException("devices '" + text + "' has an empty device in '" + p
                            + "'; write 'all', a list of device ids such as 0,1,2,3, groups such as 0+1,2+3, or cpu,cpu");
                }
                ids.add(id.strip());
            }
            groups.add(new DeviceGroup(ids));
        }
        return of(groups);
    }

    /** True for {@link #DEFAULT}: one unpinned engine, no pool. */
    public boolean isDefault() {
        return kind == Kind.DEFAULT;
    }

    /** True for {@link #ALL}. */
    public boolean isAll() {
        return kind == Kind.ALL;
    }

    /** The listed groups (empty for {@link #DEFAULT} and {@link #ALL}). */
    public List<DeviceGroup> groups() {
        return groups;
    }

    /**
     * The engines to start: one group per engine.
     *
     * <ul>
     *   <li>{@link #DEFAULT}: one {@link DeviceGroup#CPU} (unpinned) group.</li>
     *   <li>{@link #ALL}: {@code visible} cut into groups of {@code devicesPerEngine} (devices left
     *       over are not used); with no visible accelerator, one CPU engine.</li>
     *   <li>listed: the groups as listed; each accelerator group must hold {@code devicesPerEngine} devices.</li>
     * </ul>
     *
     * @param visible          the accelerators the process sees (empty without any)
     * @param devicesPerEngine the engine's {@code tensor_parallel_size} (1 without tensor parallelism)
     * @throws IllegalArgumentException when a group does not match {@code devicesPerEngine}, or
     *                                  {@code all} finds fewer devices than one engine needs
     */
    public List<DeviceGroup> resolve(List<String> visible, int devicesPerEngine) {
        if (devicesPerEngine < 1) {
            throw new IllegalArgumentException("devices per engine must be at least 1, got " + devicesPerEngine);
        }
        switch (kind) {
            case DEFAULT:
                return List.of(DeviceGroup.CPU);
            case ALL:
                if (visible.isEmpty()) {
                    return List.of(DeviceGroup.CPU);
                }
                if (visible.size() < devicesPerEngine) {
                    throw new IllegalArgumentException("devices=all found " + visible.size() + " device(s) " + visible
                            + " but tensor_parallel_size is " + devicesPerEngine + ": lower tensor_parallel_size or "
                            + "make more devices visible");
                }
                List<DeviceGroup> out = new ArrayList<>();
                for (int i = 0; i + devicesPerEngine <= visible.size(); i += devicesPerEngine) {
                    out.add(new DeviceGroup(visible.subList(i, i + devicesPerEngine)));
                }
                return List.copyOf(out);
            default:
                for (DeviceGroup g : groups) {
                    if (!g.isCpu() && g.ids().size() != devicesPerEngine) {
                        throw new IllegalArgumentException("device group " + g + " has " + g.ids().size()
                                + " device(s) but tensor_parallel_size is " + devicesPerEngine + ": give each engine "
                                + devicesPerEngine + " devices joined by '+' (e.g. 0+1,2+3 for 2), or change "
                                + "tensor_parallel_size");
                    }
                }
                return groups;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Devices d && kind == d.kind && groups.equals(d.groups);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, groups);
    }

    /** The setting's text: "default", "all" or the groups ("0,1", "0+1,2+3", "cpu,cpu"). */
    @Override
    public String toString() {
        return switch (kind) {
            case DEFAULT -> "default";
            case ALL -> "all";
            case LISTED -> String.join(",", groups.stream().map(DeviceGroup::toString).toList());
        };
    }
}
