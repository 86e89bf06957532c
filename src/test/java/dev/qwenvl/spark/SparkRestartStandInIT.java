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
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
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
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkRestartStandInIT {
    /** Writes test videos with python/tests/videos.py; paths and sizes arrive as arguments. */
    static final String WRITE_VIDEOS = String.join("\n",
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

        spark = SparkSession.builder().master("local[2]").appName("qwenvl spark restart")
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
    private static int engineHolds(PythonRuntime runtime) {
        return ((Number) runtime.call("vllm", "last_step_size")).intValue();
    }

    private static int enginesStarted(PythonRuntime runtime) {
        return ((Number) runtime.call("vllm", "engines_constructed")).intValue();
    }

    private static SparkCaptionConfig config() {
        return SparkCaptionConfig.of(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen").build(),
                        CaptionSettings.defaults())
                .withPython(TestPython.python())
                .withPythonPath(TestPython.testSources()) // the stand-in vllm
                .withPythonEnvironment("QWENVL_STANDIN_ENGINE_PROCESS", "1")
                // 100 steps of 50 ms: 5 s per window, longer than the partition's videos take to decode on a
                // busy machine, so they are all in flight together
                .withPythonEnvironment("QWENVL_STANDIN_CORE_DELAY_S", "0.05")
                .withPythonEnvironment("QWENVL_STANDIN_TOKENS", "100");
    }

    /** Waits until one engine core runs, other than {@code not}, and the engine holds {@code requests}; returns it. */
    private static ProcessHandle awaitBusyCore(CompletableFuture<?> job, int requests, long not) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int held = 0;
        while (System.nanoTime() < deadline && !job.isDone()) {
            PythonRuntime runtime = ExecutorCaptioners.runtime();
            List<ProcessHandle> cores = Processes.engineCores(ProcessHandle.current()).stream()
                    .filter(p -> p.pid() != not).toList();
            if (runtime != null && cores.size() == 1 && (held = engineHolds(runtime)) >= requests) {
                return cores.get(0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the engine never held " + requests + " requests (last step: " + held + "; job done: "
                + job.isDone() + ")");
    }

    /** Every window of every video in {@code expected} has exactly one row, a caption, and no error. */
    private static void assertEveryWindowOnce(Map<String, Integer> expected, List<Row> rows) {
        Map<String, List<Integer>> windows = rows.stream().collect(Collectors.groupingBy(
                r -> r.<String>getAs("video"), Collectors.mapping(r -> r.<Integer>getAs("window"), Collectors.toList())));
        for (Map.Entry<String, Integer> v : expected.entrySet()) {
            List<Integer> got = new ArrayList<>(windows.getOrDefault(v.getKey(), List.of()));
            got.sort(null);
            assertEquals(java.util.stream.IntStream.range(0, v.getValue()).boxed().toList(), got,
                    "every window of " + v.getKey() + " exactly once");
        }
        assertEquals(expected.keySet(), windows.keySet(), "rows of these videos only");
        for (Row r : rows) {
            assertNull(r.getAs("error"), r.getAs("video") + ": " + r.getAs("error_reason") + " " + r.getAs("error"));
            assertNull(r.getAs("error_reason"), "no ENGINE_DIED row: " + r);
            assertTrue(r.<String>getAs("caption").startsWith("caption-"), r.toString());
        }
    }

    @Test
    @Order(1)
    void killingTheEngineCoreMidPartitionRestartsItInTheTaskAndEveryWindowHasExactlyOneRow() throws Exception {
        List<Row> input = VIDEOS.keySet().stream().map(RowFactory::create).toList();
        Dataset<Row> videos = spark.createDataFrame(
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(input, 1), INPUT);
        Path out = dir.resolve("captions.parquet");
        SparkCaptionConfig config = config();

        try (LogCapture recovery = LogCapture.of(Class.forName("dev.qwenvl.caption.EngineRecovery"), Level.INFO);
             LogCapture model = LogCapture.of(QwenVL.class, Level.WARN)) {
            long t0 = System.nanoTime();
            CompletableFuture<Void> job = CompletableFuture.runAsync(
                    () -> SparkCaptioning.caption(videos, "path", config).write().parquet(out.toString()));
            // the one partition's videos are in flight: the engine holds at least 6 of the 8 windows
            ProcessHandle core = awaitBusyCore(job, IN_FLIGHT_AT_KILL, -1);
            int held = engineHolds(ExecutorCaptioners.runtime());
            Processes.kill9(core.pid());
            long killed = System.nanoTime();

            job.get(120, TimeUnit.SECONDS);
            double afterKill = (System.nanoTime() - killed) / 1e9;

            List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
            assertEveryWindowOnce(VIDEOS, rows);
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

            assertEquals(2, enginesStarted(ExecutorCaptioners.runtime()), "the first engine and one restart");
            List<ProcessHandle> cores = Processes.engineCores(ProcessHandle.current());
            assertEquals(1, cores.size(), "one core runs: " + cores);
            assertNotEquals(core.pid(), cores.get(0).pid(), "the restarted core");
            assertEquals(1, ExecutorCaptioners.captionersCreated(), "the executor kept its captioner");
            System.out.printf("Spark restart: %d rows; the job ended %.1f s after the kill (%.1f s in all); "
                    + "%d requests held at the kill; %s%n", rows.size(), afterKill, (System.nanoTime() - t0) / 1e9,
                    held, resubmitted);
        }
    }

    /**
     * Two tasks at once on the executor's one captioner (local[2], two partitions), both streaming
     * when the core is killed: the engine is replaced once (the first stream to see the death
     * restarts it; the other finds it restarted), each stream submits its own windows again, and
     * every window still has exactly one row.
     */
    @Test
    @Order(2)
    void twoTasksStreamingThroughTheExecutorsCaptionerAtTheKillShareOneRestartAndLoseNothing() throws Exception {
        Map<String, Integer> eight = new LinkedHashMap<>();
        VIDEOS.forEach(eight::put);
        List<String> specs = new ArrayList<>();
        for (int i = 6; i < 8; i++) { // two more one-window videos: four per partition
            Path p = dir.resolve("clip" + i + ".mp4");
            specs.add(p + "|300");
            eight.put(p.toString(), 1);
        }
        List<String> cmd = new ArrayList<>(List.of(TestPython.python().toString(), "-c", WRITE_VIDEOS,
                TestPython.pythonTests().toString()));
        cmd.addAll(specs);
        assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor(), "writing test videos");
        List<Row> input = eight.keySet().stream().map(RowFactory::create).toList();
        Dataset<Row> videos = spark.createDataFrame(
                JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(input, 2), INPUT);
        Path out = dir.resolve("two-tasks.parquet");
        SparkCaptionConfig config = config();
        int startedBefore = enginesStarted(ExecutorCaptioners.runtime());
        int failedBefore = FAILED_TASKS.get();
        long before = Processes.engineCores(ProcessHandle.current()).get(0).pid();

        try (LogCapture model = LogCapture.of(QwenVL.class, Level.WARN)) {
            CompletableFuture<Void> job = CompletableFuture.runAsync(
                    () -> SparkCaptioning.caption(videos, "path", config).write().parquet(out.toString()));
            // 10 windows, 5 per partition: holding 7, each task has at least 2 in the engine
            ProcessHandle core = awaitBusyCore(job, 7, -1);
            assertEquals(before, core.pid(), "the executor's engine from the first test");
            Processes.kill9(core.pid());
            job.get(120, TimeUnit.SECONDS);

            assertEveryWindowOnce(eight, spark.read().parquet(out.toString()).collectAsList());
            assertEquals(failedBefore, FAILED_TASKS.get(), "no task failed");
            assertEquals(1, model.events(Level.WARN).stream()
                    .filter(e -> e.getFormattedMessage().contains("closing it and starting a new one")).count(),
                    "the dead engine replaced once, though two streams saw it die");
            assertEquals(startedBefore + 1, enginesStarted(ExecutorCaptioners.runtime()), "one new engine");
            assertEquals(1, ExecutorCaptioners.captionersCreated(), "the executor kept its captioner");
        }
    }
}
