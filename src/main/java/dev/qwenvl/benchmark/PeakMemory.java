package dev.qwenvl.benchmark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Peak memory during one measured run. On a GPU: the highest {@code memory.used} that
 * {@code nvidia-smi} reports, polled every 250 ms (it includes the KV cache vLLM reserves up to
 * {@code gpu_memory_utilization}; vLLM's model runs in its engine-core process, so the JVM's own
 * torch cannot see it). On a CPU there is no accelerator memory; it reports the peak resident set
 * (Linux {@code VmHWM}) of the JVM and its child processes (vLLM's engine core) instead.
 */
final class PeakMemory implements AutoCloseable {
    private static final long POLL_MS = 250;

    private final Accelerator accelerator;
    private final AtomicLong peakMib = new AtomicLong(-1);
    private final Thread poller;
    private volatile boolean running = true;

    private PeakMemory(Accelerator accelerator) {
        this.accelerator = accelerator;
        if (accelerator.gpu()) {
            poller = new Thread(this::poll, "qwenvl-benchmark-memory");
            poller.setDaemon(true);
            poller.start();
        } else {
            poller = null;
        }
    }

    static PeakMemory start(Accelerator accelerator) {
        return new PeakMemory(accelerator);
    }

    private void poll() {
        while (running) {
            Accelerator.NvidiaSmi.query("memory.used").ifPresent(line -> peakMib.accumulateAndGet(Accelerator.parseMib(line), Math::max));
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The reading so far; call before the engine is closed (its processes are gone after). */
    MemoryReading read() {
        if (accelerator.gpu()) {
            long mib = peakMib.get();
            return new MemoryReading("peak GPU memory used (nvidia-smi)", mib < 0 ? -1 : mib * 1024 * 1024);
        }
        long bytes = peakRssOf(ProcessHandle.current());
        return new MemoryReading("n/a on CPU; peak resident memory of the JVM and its engine processes", bytes);
    }

    private static long peakRssOf(ProcessHandle root) {
        try (Stream<ProcessHandle> tree = Stream.concat(Stream.of(root), root.descendants())) {
            long total = tree.mapToLong(p -> vmHwmBytes(p.pid())).filter(b -> b > 0).sum();
            return total > 0 ? total : -1;
        }
    }

    private static long vmHwmBytes(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process ended: no reading
        }
        return -1;
    }

    @Override
    public void close() {
        running = false;
        if (poller != null) {
            poller.interrupt();
        }
    }
}
