package dev.qwenvl.benchmark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The machine's NVIDIA GPU as {@code nvidia-smi} reports it, or none. The benchmark asks
 * {@code nvidia-smi} rather than torch: querying CUDA from the JVM's own interpreter would create a
 * CUDA context in the JVM (and make vLLM's engine core the second user of the GPU).
 *
 * @param gpu       whether an NVIDIA GPU answered
 * @param name      the GPU's name, or {@code "cpu"}
 * @param memoryMib total memory of the first GPU in MiB, or 0
 */
public record Accelerator(boolean gpu, String name, long memoryMib) {

    /** No GPU: vLLM runs on the CPU. */
    public static Accelerator cpu() {
        return new Accelerator(false, "cpu", 0);
    }

    /** The first GPU {@code nvidia-smi} lists, or {@link #cpu()} when there is none or no nvidia-smi. */
    public static Accelerator detect() {
        return NvidiaSmi.query("name,memory.total").map(line -> {
            String[] parts = line.split(",");
            long mib = parts.length > 1 ? parseMib(parts[1]) : 0;
            return new Accelerator(true, parts[0].trim(), mib);
        }).orElse(cpu());
    }

    static long parseMib(String value) {
        try {
            return Long.parseLong(value.trim().replaceAll("[^0-9]", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    @Override
    public String toString() {
        return gpu ? String.format(Locale.ROOT, "%s (%.1f GiB)", name, memoryMib / 1024.0) : "cpu (no NVIDIA GPU found)";
    }

    /** Runs {@code nvidia-smi --query-gpu=... --format=csv,noheader,nounits}. */
    static final class NvidiaSmi {
        private NvidiaSmi() {}

        /** The first line of the answer, or empty when nvidia-smi is missing or fails. */
        static Optional<String> query(String fields) {
            try {
                Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=" + fields, "--format=csv,noheader,nounits")
                        .redirectErrorStream(true).start();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    p.destroyForcibly();
                    return Optional.empty();
                }
                List<String> lines = new ArrayList<>(new String(out, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList());
                return lines.isEmpty() ? Optional.empty() : Optional.of(lines.get(0));
            } catch (IOException e) {
                return Optional.empty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }
}
