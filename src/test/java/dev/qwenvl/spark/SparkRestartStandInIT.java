package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.qwenvl.LogCapture;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.chaos.Processes;
import dev.qwenvl.chaos.SharedMemoryLeftCheck;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restart through Spark (issue 25): {@link SparkCaptioning} in local mode, the executor's
 * captioner on the stand-in vllm in its process mode (every engine step round-trips through a
 * spawned {@code EngineCore}, which holds a shared-memory segment as vLLM's does), the engine core
 * killed with {@code kill -9} while one partition's videos are in flight at the default frame
 * budget. The partition's stream restarts the engine inside the task and submits again what the
 * dead core held: the job succeeds with no failed task (Spark's retry is not what saves it), every
 * window of every video has exactly one row, no row says ENGINE_DIED, one restart is logged, and
 * no shared memory is left (the orphan guard sweeps the killed core's segment).
 */
@ExtendWith(SharedMemoryLeftCheck.class)
class SparkRestartStandInIT {
    /** Writes test videos with python/tests/videos.py; paths and sizes arrive as arguments. */
    private static final String WRITE_VIDEOS = String.join("\n",
            "import sys",
            "sys.path.insert(0, sys.argv[1])",
            "import videos",
            "for spec in sys.argv[2:]:",
            "    path, frames = spec.split('|')",
            "    videos.write_video(path, ext='mp4', frames=int(frames), fps=30, width=64, height=48)");
    private static final StructType INPUT = DataTypes.createStructType(List.of(
            DataTypes.createStructField("path", DataTypes.StringType, false)));
    /** Requests the engine must hold at the kill: 6 of the 8 windows means at least 4 videos (two have 2 windows). */
    private static final int IN_FLIGHT_AT_KILL = 6;

    @TempDir
    static Path dir;

    private static SparkSession spark;
    private static final AtomicInteger FAILED_TASKS = new AtomicInteger();
    private static final AtomicInteger ENDED_TASKS = new AtomicInteger();
    /** Video path -> its window count. */
    private static final Map<String, Integer> VIDEOS = new LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        List<String> specs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            boolean two = i == 1 || i == 4; // 400 frames at 30 fps: two windows of 256 frames; 300: one
            Path p = dir.resolve("clip" + i + ".mp4");
            specs.add(p + "|" + (two ? 400 : 300));
            VIDEOS.put(p.toString(), two ? 2 : 1);
        }
        List<String> cmd = new ArrayList<>(List.of(TestPython.python().toString(), "-c", WRITE_VIDEOS,
                TestPython.pythonTests().toString()));
        cmd.addAll(specs);
        assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor(), "writing test videos");

        spark = SparkSession.builder().master("local[1]").appName("qwenvl spark restart")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .getOrCreate();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                ENDED_TASKS.incrementAndGet();
                if (!end.taskInfo().successful()) {
                    FAILED_TASKS.incrementAndGet();
                }
            }
        });
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        ExecutorCaptioners.closeAll();
    }

    /** The stand-in's running requests at its latest engine step (0 before the first). */
    @SuppressWarnings("unchecked")
    private static int engineHolds(PythonRuntime runtime) {
        Map<String, Object> recorded = (Map<String, Object>) runtime.call("vllm", "recorded");
        List<Object> steps = (List<Object>) recorded.get("step_sizes");
        return steps.isEmpty() ? 0 : ((Number) steps.get(steps.size() - 1)).intValue();
    }

    @SuppressWarnings("unchecked")
    private static int enginesStarted(PythonRuntime runtime) {
        return ((List<Object>) ((Map<String, Object>) runtime.call("vllm", "recorded")).get("constructed")).size();
    }

    @Test
    void killingTheEngineCoreMidPartitionRestartsItInTheTaskAndEveryWindowHasExactlyOneRow() throws Exception {
        SparkCaptionConfig config = SparkCaptionConfig.of(QwenVlConfig.builder().modelDir(Path.of("/models"))
                        .modelVariant("qwen").build(), CaptionSettings.defaults())
                .withPython(TestPython.python())
                .withPythonPath(TestPython.testSources()) // the stand-in vllm
                .withPythonEnvironment("QWENVL_STANDIN_ENGINE_PROCESS", "1")
                .withPythonEnvironment("QWENVL_STANDIN_CORE_DELAY_S", "0.05") // 40 steps of 50 ms: 2 s per window
                .withPythonEnvironment("QWENVL_STANDIN_TOKENS", "40");
        List<Row> input = VIDEOS.keySet().stream().map(RowFactory::create).toList();
        Dataset<Row> videos = spark.createDataFrame(
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(input, 1), INPUT);
        Path out = dir.resolve("captions.parquet");

        try (LogCapture recovery = LogCapture.of(Class.forName("dev.qwenvl.caption.EngineRecovery"), Level.INFO);
             LogCapture model = LogCapture.of(QwenVL.class, Level.WARN)) {
            long t0 = System.nanoTime();
            CompletableFuture<Void> job = CompletableFuture.runAsync(
                    () -> SparkCaptioning.caption(videos, "path", config).write().parquet(out.toString()));

            // the one partition's videos are in flight: the engine holds at least 6 of the 8 windows
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            ProcessHandle core = null;
            int held = 0;
            while (System.nanoTime() < deadline && !job.isDone()) {
                PythonRuntime runtime = ExecutorCaptioners.runtime();
                List<ProcessHandle> cores = Processes.engineCores(ProcessHandle.current());
                if (runtime != null && cores.size() == 1 && (held = engineHolds(runtime)) >= IN_FLIGHT_AT_KILL) {
                    core = cores.get(0);
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(core != null, "the engine never held " + IN_FLIGHT_AT_KILL + " requests (last step: " + held
                    + "; job done: " + job.isDone() + ")");
            Processes.kill9(core.pid());
            long killed = System.nanoTime();

            job.get(120, TimeUnit.SECONDS);
            double afterKill = (System.nanoTime() - killed) / 1e9;

            List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
            Map<String, List<Integer>> windows = rows.stream().collect(Collectors.groupingBy(
                    r -> r.<String>getAs("video"), Collectors.mapping(r -> r.<Integer>getAs("window"), Collectors.toList())));
            for (Map.Entry<String, Integer> v : VIDEOS.entrySet()) {
                List<Integer> got = new ArrayList<>(windows.getOrDefault(v.getKey(), List.of()));
                got.sort(null);
                assertEquals(java.util.stream.IntStream.range(0, v.getValue()).boxed().toList(), got,
                        "every window of " + v.getKey() + " exactly once");
            }
            assertEquals(VIDEOS.keySet(), windows.keySet(), "rows of these videos only");
            for (Row r : rows) {
                assertNull(r.getAs("error"), r.getAs("video") + ": " + r.getAs("error_reason") + " " + r.getAs("error"));
                assertNull(r.getAs("error_reason"), "no ENGINE_DIED row: " + r);
                assertTrue(r.<String>getAs("caption").startsWith("caption-"), r.toString());
            }
            assertEquals(0, FAILED_TASKS.get(), "no task failed: the restart happened inside the task");

            List<String> restarts = recovery.events(Level.WARN).stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("restarting it")).toList();
            assertEquals(1, restarts.size(), "one restart logged: " + restarts);
            assertTrue(restarts.get(0).contains("restart 1 of 1 for this stream") && restarts.get(0).contains("SIGKILL"),
                    restarts.get(0));
            String resubmitted = recovery.events(Level.INFO).stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.contains("restarted the engine")).findFirst().orElse("");
            java.util.regex.Matcher again = java.util.regex.Pattern
                    .compile("restarted the engine 1 time and submitted (\\d+) request").matcher(resubmitted);
            assertTrue(again.find(), "the stream says what it submitted again: " + resubmitted);
            assertTrue(Integer.parseInt(again.group(1)) >= IN_FLIGHT_AT_KILL,
                    "what the dead core held was submitted again: " + resubmitted);
            assertEquals(1, model.events(Level.WARN).stream()
                    .filter(e -> e.getFormattedMessage().contains("closing it and starting a new one")).count(),
                    "the dead engine replaced once");

            PythonRuntime runtime = ExecutorCaptioners.runtime();
            assertEquals(2, enginesStarted(runtime), "the first engine and one restart");
            List<ProcessHandle> cores = Processes.engineCores(ProcessHandle.current());
            assertEquals(1, cores.size(), "one core runs: " + cores);
            assertNotEquals(core.pid(), cores.get(0).pid(), "the restarted core");
            assertEquals(1, ExecutorCaptioners.captionersCreated(), "the executor kept its captioner");
            System.out.printf("Spark restart: %d rows; the job ended %.1f s after the kill (%.1f s in all); "
                    + "%d requests held at the kill; %s%n", rows.size(), afterKill, (System.nanoTime() - t0) / 1e9,
                    held, resubmitted);
        }
    }
}
