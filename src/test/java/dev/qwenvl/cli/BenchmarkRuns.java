package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code qwenvl benchmark} in a child JVM and checks its figures (the stand-in and the e2e tests share it). */
public final class BenchmarkRuns {
    private BenchmarkRuns() {}

    /**
     * Runs {@code qwenvl ARGS} like QwenVlCliIT does (the launcher jar when built, else the test
     * classpath), with {@code VLLM_WORKER_MULTIPROC_METHOD} unset unless {@code env} sets it.
     */
    public static Run run(Path workDir, Map<String, String> env, List<String> args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = Path.of(BenchmarkRuns.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .getParent().resolve("qwenvl-cli.jar");
        List<String> cmd = new ArrayList<>(Files.isRegularFile(jar)
                ? List.of(java.toString(), "-jar", jar.toString())
                : List.of(java.toString(), "-cp", System.getProperty("java.class.path"), QwenVlCli.class.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().remove("VLLM_WORKER_MULTIPROC_METHOD"); // the library's default (spawn) unless env sets it
        pb.environment().putAll(env);
        pb.redirectOutput(workDir.resolve("stdout.txt").toFile());
        pb.redirectError(workDir.resolve("stderr.txt").toFile());
        Process p = pb.start();
        if (!p.waitFor(900, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("qwenvl " + String.join(" ", args) + " did not finish within 900 s");
        }
        return new Run(p.exitValue(), Files.readString(workDir.resolve("stdout.txt"), StandardCharsets.UTF_8),
                Files.readString(workDir.resolve("stderr.txt"), StandardCharsets.UTF_8));
    }

    public record Run(int exitCode, String out, String err) {
        /** The number in the printed line that starts with {@code prefix}, just after it. */
        public double figure(String prefix) {
            String line = out.lines().filter(l -> l.startsWith("qwenvl benchmark: " + prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no line '" + prefix + "' in\n" + out + "\n" + err));
            String rest = line.substring(("qwenvl benchmark: " + prefix).length()).trim();
            return Double.parseDouble(rest.split("[ :]")[0]);
        }

        /** The rate at the end of a line such as {@code windows: 2 in 3.1 s (...): 0.645 windows/s}. */
        public double rate(String prefix) {
            String line = out.lines().filter(l -> l.startsWith("qwenvl benchmark: " + prefix)).findFirst().orElseThrow();
            String[] parts = line.substring(line.lastIndexOf(": ") + 2).split(" ");
            return Double.parseDouble(parts[0]);
        }
    }

    /** Every figure is printed and sane; output tokens = windows x max tokens; FP8 skipped on a CPU. */
    public static void assertEveryFigure(Run run, int expectedWindows, int maxTokens) {
        assertEquals(0, run.exitCode(), run.out() + run.err());
        assertTrue(run.out().contains("qwenvl benchmark: [fp8] skipped: vLLM's CPU build has no FP8 kernels"), run.out());
        assertTrue(run.out().contains("tiny architecture, vLLM dummy weights (load_format=dummy)"), run.out());
        assertTrue(run.figure("[bf16] engine start:") > 0, run.out());
        double windows = run.figure("[bf16] windows:");
        assertEquals(expectedWindows, windows, run.out());
        assertTrue(run.rate("[bf16] windows:") > 0, run.out());
        assertEquals(windows * maxTokens, run.figure("[bf16] output tokens:"), run.out());
        assertTrue(run.rate("[bf16] output tokens:") > 0, run.out());
        assertTrue(run.figure("[bf16] prompt (video) tokens:") > windows, run.out());
        assertTrue(run.rate("[bf16] prompt (video) tokens:") > 0, run.out());
        assertTrue(run.out().contains("qwenvl benchmark: [bf16] time split: decode+preprocess "), run.out());
        assertTrue(run.out().contains("qwenvl benchmark: [bf16] peak memory: n/a on CPU; peak resident memory"), run.out());
    }
}
