package dev.qwenvl.benchmark;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One reading of CPU time: the JVM process's own (every Java, Python and FFmpeg thread in it) and
 * each live child process's (vLLM's engine-core processes, spawned by the embedded interpreter).
 * Two readings give what a pass cost ({@link #processSecondsSince}, {@link #childSecondsSince}).
 * A figure the platform does not report is NaN.
 *
 * @param processSeconds CPU seconds of this JVM process so far (NaN when unknown)
 * @param children       CPU seconds so far of each live descendant process, by pid
 */
record ProcessCpu(double processSeconds, Map<Long, Double> children) {

    ProcessCpu {
        children = Map.copyOf(children);
    }

    /** Reads the CPU time now. */
    static ProcessCpu now() {
        double own = Double.NaN;
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long nanos = sun.getProcessCpuTime();
            own = nanos < 0 ? Double.NaN : nanos / 1e9;
        }
        Map<Long, Double> children = new HashMap<>();
        ProcessHandle.current().descendants().forEach(p -> {
            Optional<Duration> cpu = p.info().totalCpuDuration();
            cpu.ifPresent(d -> children.put(p.pid(), d.toNanos() / 1e9));
        });
        return new ProcessCpu(own, children);
    }

    /** This process's CPU seconds since {@code before}. */
    double processSecondsSince(ProcessCpu before) {
        return processSeconds - before.processSeconds;
    }

    /**
     * The child processes' CPU seconds since {@code before}: a child new since then counts whole;
     * one that ended in between is not counted (the engines live through a pass).
     */
    double childSecondsSince(ProcessCpu before) {
        double total = 0;
        for (Map.Entry<Long, Double> e : children.entrySet()) {
            total += Math.max(0, e.getValue() - before.children.getOrDefault(e.getKey(), 0.0));
        }
        return total;
    }
}
