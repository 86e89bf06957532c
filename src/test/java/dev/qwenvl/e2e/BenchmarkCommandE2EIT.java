package dev.qwenvl.e2e;

import dev.qwenvl.cli.BenchmarkRuns;
import dev.qwenvl.jep.TestPython;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qwenvl benchmark} on the real vLLM CPU build with the tiny architecture (as CI runs it):
 * two 2 s clips, 8 output tokens per window; every figure printed and sane, output tokens exactly
 * windows x 8 (ignore_eos), FP8 skipped with the reason. The CLI runs in its own JVM with
 * {@code VLLM_WORKER_MULTIPROC_METHOD} unset, so this is also the test that the engine starts with
 * the library's spawn default.
 */
class BenchmarkCommandE2EIT {

    @TempDir
    Path dir;

    @Test
    void theBenchmarkCommandPrintsEveryFigureOnTheTinyArchitecture() throws Exception {
        E2ETier.assumeInstalled();
        BenchmarkRuns.Run run = BenchmarkRuns.run(dir, Map.of("VLLM_CPU_KVCACHE_SPACE", "1"), List.of("benchmark",
                "--architecture", "tiny", "--tiny-model-dir", E2ETier.modelDir().toString(), "--clips", "2",
                "--clip-seconds", "2", "--max-output-tokens", "8", "--engine-arg", "enforce_eager=true",
                "--python", TestPython.python().toString()));
        System.out.println(run.out()); // the measured CPU figures, for the build log
        BenchmarkRuns.assertEveryFigure(run, 2, 8);
    }
}
