package dev.qwenvl.benchmark;

import java.util.Locale;

/**
 * A peak memory figure and what it measured.
 *
 * @param what  what was measured (GPU memory used, or resident memory on a CPU)
 * @param bytes the peak in bytes, or -1 when it could not be read
 */
public record MemoryReading(String what, long bytes) {
    @Override
    public String toString() {
        return what + ": " + (bytes < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024)));
    }
}
