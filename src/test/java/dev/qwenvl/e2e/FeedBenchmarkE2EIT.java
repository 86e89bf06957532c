package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qwenvl.cli.BenchmarkRuns;
import dev.qwenvl.jep.TestPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code qwenvl benchmark --feed-only} on the real vLLM CPU build (its front end for real, its
 * engine core running the instant stand-in, no weights) over a small clip set, as CI runs it: two
 * 2 s clips (one window each), 8 output tokens, a pool of 2 (whose first engine also serves the
 * one-engine passes). Every figure is printed and in the JSON report: each pass ran over every
 * window, the engine passes stepped their engines, both lane ratios, the pool ratio and the
 * ceiling are numbers. Values are not checked (benchmarks never fail on time); the full figure is
 * P11 in BENCHMARKS.md.
 */
class FeedBenchmarkE2EIT {

    @TempDir
    Path dir;

    @Test
    void theFeedBenchmarkPrintsAndReportsEveryFigure() throws Exception {
        E2ETier.assumeInstalled();
        Path report = dir.resolve("feed.json");
        BenchmarkRuns.Run run = BenchmarkRuns.run(dir, Map.of(), List.of("benchmark", "--feed-only",
                "--tiny-model-dir", E2ETier.modelDir().toString(), "--clips", "2", "--clip-seconds", "2",
                "--max-output-tokens", "8", "--pool-engines", "2", "--report", report.toString(),
                "--python", TestPython.python().toString()));
        System.out.println(run.out()); // the measured figures, for the build log
        assertEquals(0, run.exitCode(), run.out() + run.err());

        int threadsPerLane = Math.max(1, Runtime.getRuntime().availableProcessors() / 2); // the lane rule, 2 lanes
        String sameThreads = "decode_1_lane_" + threadsPerLane + (threadsPerLane == 1 ? "_thread" : "_threads");
        List<String> keys = List.of("decode_1_lane", sameThreads, "decode_2_lanes", "frontend", "pipeline", "pool_2",
                "pipeline_again");
        for (String key : keys) {
            assertTrue(run.out().lines().anyMatch(l -> l.startsWith("qwenvl benchmark: feed: " + key + ": ")
                    && l.contains(" windows/s (2 windows in ") && l.contains("Python threads' CPU ")), key + "\n" + run.out());
        }
        for (String ratio : List.of("ratio decode-only 2 lanes / 1 lane, FFmpeg threads by the lane rule (",
                "ratio decode-only 2 lanes / 1 lane, " + threadsPerLane + " FFmpeg thread", "ratio pipeline / decode-only (2 lanes): ",
                "ratio pool of 2 at 6.0 ms / 1 engine (the pipeline before and after the pool): ", "ratio pool of 2 at 6.0 ms / 1 engine, windows handed to the engines",
                "ceiling per JVM (frontend-only")) {
            assertTrue(run.out().contains("qwenvl benchmark: feed: " + ratio), ratio + "\n" + run.out());
        }

        JsonNode json = new ObjectMapper().readTree(Files.readString(report));
        assertEquals("feed", json.get("benchmark").asText());
        assertTrue(json.get("engine_start_seconds").isNumber(), json.toString());
        assertEquals(threadsPerLane, json.get("ffmpeg_threads_per_lane").asInt(), json.toString());
        List<String> reported = new ArrayList<>();
        for (JsonNode phase : json.get("phases")) {
            reported.add(phase.get("phase").asText());
            assertTrue(phase.get("ran").asBoolean(), phase.toString());
            assertEquals(2, phase.get("windows").asInt(), phase.toString());
            assertEquals(0, phase.get("failed_videos").asInt(), phase.toString());
            assertTrue(phase.get("windows_per_second").asDouble() > 0, phase.toString());
            assertTrue(phase.get("fed_windows_per_second").asDouble() >= phase.get("windows_per_second").asDouble(),
                    phase.toString()); // the last window is handed to an engine before its caption comes back
            assertTrue(phase.get("python_cpu_ms_per_window").isNumber(), phase.toString());
            assertTrue(phase.get("process_cpu_ms_per_window").asDouble() > 0, phase.toString());
            assertTrue(phase.get("engine_core_cpu_ms_per_window").isNumber(), phase.toString());
            boolean vllm = !phase.get("phase").asText().startsWith("decode_");
            // 8 output tokens a window: at least 8 steps carried the engine passes' windows
            assertEquals(vllm, phase.get("engine_steps").asLong() >= 8, phase.toString());
            assertEquals(vllm, phase.get("requests_per_step").isNumber(), phase.toString());
        }
        assertEquals(keys, reported);
        for (String figure : List.of("ratio_decode_lanes_over_one", "ratio_decode_lanes_over_one_same_threads",
                "ratio_pipeline_over_decode", "ratio_pool_over_one_engine", "ratio_pool_over_one_engine_fed",
                "frontend_windows_per_second")) {
            assertNotNull(json.get(figure), figure);
            assertTrue(json.get(figure).asDouble() > 0, figure + " in " + json);
        }
        assertEquals(4, json.get("pool_fill").asInt(), json.toString());
        JsonNode perEngine = json.get("pool_windows_per_engine");
        assertEquals(2, perEngine.size(), json.toString());
        assertEquals(2, perEngine.get(0).asInt() + perEngine.get(1).asInt(), "each window of the pool pass once: " + json);
    }
}
