package dev.qwenvl.engine;

import java.util.List;
import java.util.Objects;

/**
 * The accelerators one engine is pinned to: its engine process sees exactly these devices
 * ({@code CUDA_VISIBLE_DEVICES}). One id for a data-parallel member, several for a member that
 * runs tensor parallel over them; none for an engine on the CPU (not pinned).
 *
 * @param ids device ids as the driver numbers them ("0", "3", or a GPU UUID)
 */
public record DeviceGroup(List<String> ids) {
    /** An engine on the CPU: not pinned to any accelerator. */
    public static final DeviceGroup CPU = new DeviceGroup(List.of());

    public DeviceGroup {
        ids = List.copyOf(Objects.requireNonNull(ids, "ids"));
        for (String id : ids) {
            if (id.isBlank() || id.contains(",") || id.contains("+")) {
                throw new IllegalArgumentException("a device id must be one non-empty name without ',' or '+', got '"
                        + id + "'");
            }
        }
    }

    public static DeviceGroup of(String... ids) {
        return new DeviceGroup(List.of(ids));
    }

    /** True for an engine on the CPU (no accelerator). */
    public boolean isCpu() {
        return ids.isEmpty();
    }

    /** The value of {@code CUDA_VISIBLE_DEVICES} for this group's engine ("0" or "2,3"). */
    public String visibleDevices() {
        return String.join(",", ids);
    }

    /** "cpu", "0" or "2+3", as the devices setting writes it. */
    @Override
    public String toString() {
        return isCpu() ? "cpu" : String.join("+", ids);
    }
}
