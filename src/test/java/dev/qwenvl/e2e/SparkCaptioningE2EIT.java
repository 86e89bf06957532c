package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSchema;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.caption.WindowCaption;
import dev.qwenvl.jep.TestPython;
import dev.qwenvl.prompt.PromptVariant;
import dev.qwenvl.spark.Accelerator;
import dev.qwenvl.spark.CaptionRows;
import dev.qwenvl.spark.ExecutorCaptioners;
import dev.qwenvl.spark.SparkCaptionConfig;
import dev.qwenvl.spark.SparkCaptioning;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link SparkCaptioning} in Spark local mode ({@code local[2,2]}: two tasks at once in this JVM,
 * a failed task retried once) with the real vLLM CPU build and the tiny model. One engine for the
 * whole class: the executor's captioner ({@link ExecutorCaptioners}) lives as long as the JVM.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkCaptioningE2EIT {
    private static final Logger LOG = LoggerFactory.getLogger(SparkCaptioningE2EIT.class);

    /** Writes test videos with python/tests/videos.py; paths and sizes arrive as arguments. */
    private static final String WRITE_VIDEOS = String.join("\n",
            "import sys",
            "sys.path.insert(0, sys.argv[1])",
            "import videos",
            "for spec in sys.argv[2:]:",
            "    path, ext, frames, fps = spec.split('|')",
            "    videos.write_video(path, ext=ext, frames=int(frames), fps=int(fps), width=96, height=64, noise=True)");

    private static final StructType INPUT = DataTypes.createStructType(List.of(
            DataTypes.createStructField("path", DataTypes.StringType, true)));

    /** Task failures the injector has thrown (static: local mode runs tasks in this JVM). */
    private static final AtomicInteger INJECTED = new AtomicInteger();
    private static final AtomicInteger TASKS_ENDED = new AtomicInteger();

    @TempDir
    static Path dir;

    private static SparkSession spark;
    private static SparkCaptionConfig config;
    /** The eight good videos (as given to Spark) and their window counts. */
    private static final Map<String, Integer> GOOD = new LinkedHashMap<>();
    private static String garbage;
    private static String missing;
    /** The ten inputs, good and broken mixed. */
    private static List<String> inputs;
    private static List<Row> firstRun;

    @BeforeAll
    static void start() throws Exception {
        E2ETier.assumeInstalled();
        Path videos = Files.createDirectories(dir.resolve("videos"));
        List<String> specs = new ArrayList<>();
        String[] exts = {"mp4", "mkv", "webm"};
        for (int i = 0; i < 8; i++) {
            String ext = exts[i % exts.length];
            boolean twoWindows = i % 4 == 3; // 400 frames at 30 fps: two windows of 256 frames
            int frames = twoWindows ? 400 + i : 40 + i;
            Path p = videos.resolve("clip" + i + "." + ext);
            specs.add(p + "|" + ext + "|" + frames + "|" + (twoWindows ? 30 : 10));
            // half of them as file: URIs, half as plain paths
            GOOD.put(i % 2 == 0 ? p.toUri().toString() : p.toString(), twoWindows ? 2 : 1);
        }
        writeVideos(specs);
        Path bad = videos.resolve("broken.mp4");
        Files.write(bad, new byte[] {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 1, 2, 3, 4, 5, 6, 7, 8});
        garbage = bad.toString();
        missing = videos.resolve("missing.mp4").toString();
        List<String> all = new ArrayList<>(GOOD.keySet());
        all.add(3, garbage);
        all.add(7, missing);
        inputs = List.copyOf(all);

        spark = SparkSession.builder().master("local[2,2]").appName("qwenvl spark e2e")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
                TASKS_ENDED.incrementAndGet();
            }
        });
        // the settings `qwenvl caption ...` makes (see the job test): one config, one captioner
        config = SparkCaptionConfig.of(E2ETier.config().build(), CaptionSettings.defaults())
                .withPython(TestPython.python())
                .withPythonEnvironment("VLLM_CPU_KVCACHE_SPACE", "1");
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        ExecutorCaptioners.closeAll();
    }

    private static void writeVideos(List<String> specs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(TestPython.python().toString(), "-c", WRITE_VIDEOS,
                TestPython.pythonTests().toString()));
        cmd.addAll(specs);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor(), "writing test videos");
    }

    /** The inputs as a dataset of {@code partitions} partitions (parallelize slices deterministically). */
    private static Dataset<Row> videos(List<String> paths, int partitions) {
        List<Row> rows = paths.stream().map(RowFactory::create).toList();
        return spark.createDataFrame(JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, partitions),
                INPUT);
    }

    private static List<Row> sortedByKey(List<Row> rows) {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(r -> r.<String>getAs("key")));
        return sorted;
    }

    /** The first run's rows: ten videos in two partitions, collected. */
    private static synchronized List<Row> firstRun() {
        if (firstRun == null) {
            long t0 = System.nanoTime();
            firstRun = SparkCaptioning.caption(videos(inputs, 2), "path", config).collectAsList();
            LOG.info("Spark run of {} videos: {} rows in {} s", inputs.size(), firstRun.size(),
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9));
        }
        return firstRun;
    }

    @Test
    @Order(1)
    void oneRowPerWindowOfEachGoodVideoAndOneErrorRowPerBrokenOneWithTheCaptionsOfVideoCaptioner() {
        List<Row> rows = firstRun();
        assertEquals(CaptionRows.SCHEMA.size(), rows.get(0).size());
        Map<String, List<Row>> byVideo = rows.stream().collect(Collectors.groupingBy(r -> r.getAs("video"),
                LinkedHashMap::new, Collectors.toList()));
        assertEquals(inputs.size(), byVideo.size(), "every input has rows: " + byVideo.keySet());
        String fingerprint = config.fingerprint();
        for (Map.Entry<String, Integer> good : GOOD.entrySet()) {
            List<Row> windows = byVideo.get(good.getKey());
            assertNotNull(windows, good.getKey());
            assertEquals(IntStream.range(0, good.getValue()).boxed().toList(),
                    windows.stream().map(r -> r.<Integer>getAs("window")).toList(), "windows of " + good.getKey());
            for (Row r : windows) {
                assertNull(r.getAs("error"), good.getKey() + ": " + r.getAs("error"));
                assertEquals(good.getValue(), r.<Integer>getAs("windows"));
                assertFalse(r.<String>getAs("caption").isBlank());
                assertEquals("Qwen/Qwen2.5-VL-7B-Instruct", r.getAs("model"));
                assertEquals(fingerprint, r.getAs("config"));
                assertEquals(64, r.<String>getAs("video_sha256").length());
                assertEquals(r.getAs("video_sha256") + ":" + r.getAs("window") + ":" + fingerprint, r.getAs("key"));
                assertTrue(r.<Double>getAs("end_seconds") > r.<Double>getAs("start_seconds"));
                // the window's facts, as vLLM reported them (E2ETier.config(): at most 16 output tokens)
                String finish = r.getAs("finish_reason");
                int out = r.<Integer>getAs("output_tokens");
                assertTrue(List.of("stop", "length").contains(finish) && out > 0 && out <= 16, finish + " " + out);
                assertEquals("length".equals(finish) && out == 16, r.<Boolean>getAs("truncated"));
                assertTrue(r.<Integer>getAs("prompt_tokens") > 0);
                Row times = r.getAs("engine_timings");
                assertTrue(times.<Double>getAs("first_token_seconds") > 0
                        && times.<Double>getAs("total_seconds") >= times.<Double>getAs("first_token_seconds"), times.toString());
            }
        }
        for (String broken : List.of(garbage, missing)) {
            List<Row> errors = byVideo.get(broken);
            assertEquals(1, errors.size(), broken + ": " + errors);
            Row e = errors.get(0);
            assertNull(e.getAs("window"));
            assertNull(e.getAs("caption"));
            assertNotNull(e.getAs("error"));
            LOG.info("error row of {}: {} {}", broken, e.getAs("error_reason"), e.getAs("error"));
        }
        assertEquals("MISSING_FILE", byVideo.get(missing).get(0).getAs("error_reason"));
        assertEquals(rows.size(), rows.stream().map(r -> r.getAs("key")).distinct().count(), "keys are unique");

        // the same videos through VideoCaptioner (the executor's, in this JVM) give the same captions
        List<VideoSource> sources = GOOD.keySet().stream()
                .map(p -> new VideoSource.VideoFile(Path.of(p.startsWith("file:") ? java.net.URI.create(p).getPath() : p)))
                .map(VideoSource.class::cast).toList();
        Map<String, String> expected = new TreeMap<>();
        try (ExecutorCaptioners.Lease lease = ExecutorCaptioners.acquire(config, Accelerator.NONE)) {
            List<VideoCaptions> results = lease.captioner().caption(sources);
            List<String> names = new ArrayList<>(GOOD.keySet());
            for (int v = 0; v < results.size(); v++) {
                assertTrue(results.get(v).succeeded(), String.valueOf(results.get(v).error()));
                for (WindowCaption c : results.get(v).captions()) {
                    expected.put(names.get(v) + "#" + c.window().windowIndex(), c.caption());
                }
            }
        }
        Map<String, String> actual = new TreeMap<>();
        rows.stream().filter(r -> r.getAs("caption") != null)
                .forEach(r -> actual.put(r.getAs("video") + "#" + r.getAs("window"), r.getAs("caption")));
        assertEquals(expected, actual, "Spark's captions are VideoCaptioner's with the same seed");
        assertEquals(1, ExecutorCaptioners.captionersCreated(), "one captioner in this JVM");
    }

    /** Fails the first attempt of partition 0 after it has produced one row; later attempts pass. */
    static final class FailFirstAttempt implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            TaskContext task = TaskContext.get();
            boolean fail = task.partitionId() == 0 && task.attemptNumber() == 0;
            return new Iterator<>() {
                private int produced;

                @Override
                public boolean hasNext() {
                    if (fail && produced == 1) {
                        INJECTED.incrementAndGet();
                        throw new IllegalStateException("injected failure of partition 0, attempt 0");
                    }
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    produced++;
                    return rows.next();
                }
            };
        }
    }

    @Test
    @Order(2)
    void aTaskThatFailsOnceIsRetriedAndTheWrittenOutputHasNoDuplicateAndNoMissingWindow() {
        Path out = dir.resolve("captions.parquet");
        SparkCaptioning.caption(videos(inputs, 2), "path", config)
                .mapPartitions(new FailFirstAttempt(), Encoders.row(CaptionRows.SCHEMA))
                .write().parquet(out.toString());
        assertEquals(1, INJECTED.get(), "the failure was injected once, and the retry passed");
        List<Row> written = spark.read().parquet(out.toString()).collectAsList();
        assertEquals(written.size(), written.stream().map(r -> r.getAs("key")).distinct().count(), "no duplicate key");
        List<Row> expected = sortedByKey(firstRun());
        List<Row> actual = sortedByKey(written);
        assertEquals(expected.stream().map(r -> r.getAs("key")).toList(), actual.stream().map(r -> r.getAs("key")).toList(),
                "the same windows as a run without failures: none missing, none extra");
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(withoutEngineTimings(expected.get(i)), withoutEngineTimings(actual.get(i)),
                    "row " + expected.get(i).getAs("key"));
        }
    }

    /** A row's values but the engine's times, which differ from run to run by nature. */
    private static List<Object> withoutEngineTimings(Row row) {
        int timings = row.fieldIndex("engine_timings");
        List<Object> values = new ArrayList<>();
        for (int i = 0; i < row.length(); i++) {
            values.add(i == timings ? null : row.get(i));
        }
        return values;
    }

    @Test
    @Order(3)
    void theSparkJobReadsAListOfPathsAndWritesTheSameRowsToParquet() throws Exception {
        Path list = Files.write(dir.resolve("videos.txt"), inputs);
        Path out = dir.resolve("job.parquet");
        java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of(list.toString(), "-o", out.toString(), "--partitions", "2",
                "--model-dir", E2ETier.modelDir().toString(), "--variant", "qwen", "--no-fp8",
                "--max-output-tokens", "16", "--engine-arg", "enforce_eager=true", "--seed", "0", "--group-size", "3",
                "--python", TestPython.python().toString(), "--python-env", "VLLM_CPU_KVCACHE_SPACE=1"));
        int code = dev.qwenvl.spark.SparkCaptionMain.run(spark, new java.io.PrintStream(stdout, true),
                new java.io.PrintStream(stderr, true), args.toArray(String[]::new));
        LOG.info("job: exit {}: {}{}", code, stdout, stderr);
        assertEquals(3, code, "two videos failed: exit 3, as the CLI's");
        assertTrue(stdout.toString().contains("10 windows captioned, 2 error rows"), stdout.toString());
        List<Row> written = spark.read().parquet(out.toString()).collectAsList();
        Map<String, String> expected = new TreeMap<>();
        firstRun().stream().filter(r -> r.getAs("caption") != null)
                .forEach(r -> expected.put(r.getAs("key"), r.getAs("caption")));
        Map<String, String> actual = new TreeMap<>();
        written.stream().filter(r -> r.getAs("caption") != null)
                .forEach(r -> actual.put(r.getAs("key"), r.getAs("caption")));
        assertEquals(expected, actual, "the job's windows and captions are the library call's");
        assertEquals(2, written.stream().filter(r -> r.getAs("error") != null).count());
        assertEquals(config.fingerprint(), written.get(0).getAs("config"));
    }

    @Test
    @Order(4)
    void theCaptionerIsCreatedOncePerJvmNotOncePerTask() {
        int tasksBefore = TASKS_ENDED.get();
        List<String> four = new ArrayList<>(GOOD.keySet()).subList(0, 4);
        long rows = SparkCaptioning.caption(videos(four, 4), "path", config).collectAsList().size();
        assertEquals(four.stream().mapToInt(GOOD::get).sum(), rows);
        int tasks = TASKS_ENDED.get();
        assertTrue(tasks - tasksBefore >= 4, "four partitions ran as four tasks: " + (tasks - tasksBefore));
        LOG.info("{} tasks ended in this JVM; captioners created: {}", tasks, ExecutorCaptioners.captionersCreated());
        assertEquals(1, ExecutorCaptioners.captionersCreated(), "one captioner for " + tasks + " tasks");
    }

    /**
     * Last: a config with a caption schema is another config, so the executor's captioner is replaced
     * (one engine start per schema). Every one of 10 windows has a caption_json that validates. The
     * executor runs the Java API in-process (VideoCaptioner with CaptionSettings.captionSchema), so
     * this is also the Java API's structured-captions check.
     */
    @Test
    @Order(5)
    void withEachShippedSchemaEveryWindowsCaptionJsonColumnParsesAndValidates() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("structured"));
        List<String> specs = new ArrayList<>();
        List<String> clips = new ArrayList<>();
        for (int i = 0; i < 10; i++) { // 4 s at 10 fps: one window each
            Path p = folder.resolve("s" + i + ".mp4");
            specs.add(p + "|mp4|" + (40 + i) + "|10");
            clips.add(p.toString());
        }
        writeVideos(specs);
        for (String name : List.of("scene", "events")) {
            CaptionSchema schema = CaptionSchema.read(Path.of("docs/schemas/" + name + ".schema.json"));
            SparkCaptionConfig structured = SparkCaptionConfig.of(E2ETier.config().maxOutputTokens(1024).build(),
                            CaptionSettings.builder().promptVariant(PromptVariant.fromKey(name + "-json"))
                                    .captionSchema(schema).build())
                    .withPython(TestPython.python())
                    .withPythonEnvironment("VLLM_CPU_KVCACHE_SPACE", "1");
            List<Row> rows = SparkCaptioning.caption(videos(clips, 2), "path", structured).collectAsList();
            assertEquals(10, rows.size(), rows.toString());
            for (Row r : rows) {
                assertNull(r.getAs("error"), r.getAs("video") + ": " + r.getAs("error"));
                String json = r.getAs("caption_json");
                assertNotNull(json, r.toString());
                assertEquals(json, schema.check(json), r.<String>getAs("video")); // parses and validates
                assertEquals(structured.fingerprint(), r.getAs("config"));
            }
            LOG.info("Spark with {}: {} of {} windows valid; first: {}", schema.name(), rows.size(), rows.size(),
                    rows.get(0).<String>getAs("caption_json"));
        }
    }
}
