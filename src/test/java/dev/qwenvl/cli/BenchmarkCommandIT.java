package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.TestPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qwenvl benchmark} in a child JVM with the real embedded Python and PyAV and the stand-in
 * vllm: every figure is printed, and the JSON report agrees. The same command on the real vLLM is
 * {@code dev.qwenvl.e2e.BenchmarkCommandE2EIT}.
 */
class BenchmarkCommandIT {

    @TempDir
    Path dir;

    @Test
    void benchmarkOnTheStandInPrintsEveryFigureAndWritesTheReport() throws Exception {
        Path tiny = Files.createDirectories(dir.resolve("tiny/Qwen/Qwen2.5-VL-7B-Instruct"));
        Files.writeString(tiny.resolve("config.json"), "{}");
        Files.writeString(tiny.resolve("tokenizer.json"), "{}");
        Path report = dir.resolve("report.json");
        BenchmarkRuns.Run run = BenchmarkRuns.run(dir, Map.of(), List.of("benchmark", "--architecture", "tiny", "--tiny-model-dir",
                dir.resolve("tiny").toString(), "--clips", "2", "--clip-seconds", "2", "--max-output-tokens", "8",
                "--report", report.toString(), "--python", TestPython.python().toString(),
                "--python-path", TestPython.testSources().toString()));
        BenchmarkRuns.assertEveryFigure(run, 2, 8);
        Map<String, Object> json = Json.parseObject(Files.readString(report).trim());
        assertEquals("tiny", json.get("architecture"));
        List<?> results = (List<?>) json.get("results");
        assertEquals("skipped", ((Map<?, ?>) results.get(0)).get("status"));
        Map<?, ?> bf16 = (Map<?, ?>) results.get(1);
        assertEquals("ran", bf16.get("status"));
        assertEquals(16.0, ((Number) bf16.get("output_tokens")).doubleValue());
    }

    @Test
    void aMissingTinyModelStopsWithExitCode2AndTheCommandThatMakesIt() throws Exception {
        BenchmarkRuns.Run run = BenchmarkRuns.run(dir, Map.of(), List.of("benchmark", "--tiny-model-dir", dir.resolve("none").toString(),
                "--python", TestPython.python().toString(), "--python-path", TestPython.testSources().toString()));
        assertEquals(2, run.exitCode(), run.out() + run.err());
        assertTrue(run.err().contains("bash python/setup-e2e.sh"), run.err());
    }
}
