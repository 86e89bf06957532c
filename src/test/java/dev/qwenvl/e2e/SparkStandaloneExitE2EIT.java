package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.chaos.Processes;
import dev.qwenvl.jep.TestPython;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Spark job on a standalone cluster on loopback (issue 22): a master and a worker, each a JVM
 * of its own started from the test classpath, and one executor that the worker starts in a JVM of
 * its own, as on a real cluster. The job ({@code SparkCaptionMain}, the real vLLM CPU build and
 * the tiny model) captions two short clips with that one executor; then the application ends
 * ({@code SparkSession.stop()}), the master tells the worker to kill the executor, and the worker
 * sends it SIGTERM and waits 10 s before SIGKILL. Checked from the worker's log, the executor's
 * own log file and the process table: the rows were written, the executor closed its captioner
 * and the engine and logged it, it ended within the grace by its own shutdown (exit 0 or 143,
 * never SIGKILL's 137 or "Failed to terminate process"), and none of its processes (vLLM's engine
 * core and worker, the orphan guard) is left.
 *
 * <p>The executor logs to a file of its own ({@code executor.log}, logback): the worker stops
 * copying the executor's stderr into its work folder the moment it sends SIGTERM, so whatever the
 * executor logs while it shuts down never reaches {@code work/app-.../0/stderr}.
 */
class SparkStandaloneExitE2EIT {
    private static final Logger LOG = LoggerFactory.getLogger(SparkStandaloneExitE2EIT.class);

    /** Spark's worker waits this long after SIGTERM before SIGKILL (ExecutorRunner). */
    private static final double SPARK_GRACE_SECONDS = 10;
    /** The worker's line when an executor has ended, with how and its exit status when it has one. */
    private static final Pattern FINISHED = Pattern.compile(
            "Executor (app-\\S+/\\d+) finished with state (\\w+)(?: message (.*?))?(?: exitStatus (-?\\d+))?[ \\t]*$",
            Pattern.MULTILINE);

    private static final Pattern ENGINE_CLOSED = Pattern.compile("vLLM engine \\d+ for \\S+ closed in \\d+\\.\\d s ", Pattern.MULTILINE);
    private static final Pattern MASTER_URL = Pattern.compile("Starting Spark master at (spark://\\S+)");

    /** Writes test videos with python/tests/videos.py; paths and sizes arrive as arguments. */
    private static final String WRITE_VIDEOS = String.join("\n",
            "import sys",
            "sys.path.insert(0, sys.argv[1])",
            "import videos",
            "for spec in sys.argv[2:]:",
            "    videos.write_video(spec, ext='mp4', frames=40, fps=10, width=96, height=64, noise=True)");

    /** Master, worker and executor: INFO from Spark's deploy/executor code and the library, to a file and stderr. */
    private static final String LOGBACK = """
            <configuration>
              <appender name="FILE" class="ch.qos.logback.core.FileAppender">
                <file>${qwenvl.test.logFile}</file>
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n</pattern></encoder>
              </appender>
              <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                <target>System.err</target>
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n</pattern></encoder>
              </appender>
              <logger name="org.apache.spark.deploy" level="INFO"/>
              <logger name="org.apache.spark.executor" level="INFO"/>
              <logger name="dev.qwenvl" level="INFO"/>
              <logger name="python" level="INFO"/>
              <root level="WARN"><appender-ref ref="FILE"/><appender-ref ref="STDERR"/></root>
            </configuration>
            """;

    @TempDir
    static Path dir;

    private static Process master;
    private static Process worker;
    private static final List<ProcessHandle> executorTree = new ArrayList<>();

    @BeforeAll
    static void assumeTier() {
        E2ETier.assumeInstalled();
    }

    @AfterAll
    static void stopCluster() {
        for (Process p : new Process[] {worker, master}) {
            if (p != null) {
                p.destroy();
                try {
                    if (!p.waitFor(20, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    p.destroyForcibly();
                }
            }
        }
        // never leave an engine behind on the shared machine, even when the test failed
        executorTree.stream().filter(Processes::alive).forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    @Timeout(900) // bounds the job too: an engine that never starts fails the test rather than hang the build
    void whenTheApplicationEndsTheExecutorClosesItsEngineLogsItAndExitsWithinSparksGraceLeavingNoProcess()
            throws Exception {
        Path clips = Files.createDirectories(dir.resolve("clips"));
        List<String> videos = List.of(clips.resolve("a.mp4").toString(), clips.resolve("b.mp4").toString());
        writeVideos(videos);
        Path logback = Files.writeString(dir.resolve("logback-cluster.xml"), LOGBACK);
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home"));
        Files.createDirectories(sparkHome.resolve("jars")); // everything comes from the classpath below
        Path work = Files.createDirectories(dir.resolve("work"));
        String classPath = testClassPath();
        List<String> javaOptions = sparkJavaOptions();

        // port 0 everywhere: the machine is shared, so no fixed or pre-probed port
        master = startDaemon("master", classPath, javaOptions, logback, sparkHome, List.of(
                "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", "0", "--webui-port", "0"));
        assertTrue(Processes.within(120, () -> MASTER_URL.matcher(read(dir.resolve("master.log"))).find()),
                "the master started:\n" + read(dir.resolve("master.log")) + read(dir.resolve("master.out")));
        Matcher started = MASTER_URL.matcher(read(dir.resolve("master.log")));
        assertTrue(started.find());
        String url = started.group(1);
        worker = startDaemon("worker", classPath, javaOptions, logback, sparkHome, List.of(
                "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2", "--memory", "2g",
                "--work-dir", work.toString(), "--webui-port", "0", url));
        assertTrue(Processes.within(120, () -> read(dir.resolve("worker.log")).contains("Successfully registered with master")),
                "the worker registered with the master:\n" + read(dir.resolve("worker.log")) + read(dir.resolve("master.log")));

        Path executorLog = dir.resolve("executor.log");
        String executorOptions = String.join(" ", javaOptions) + " -Dlogback.configurationFile=" + logback
                + " -Dqwenvl.test.logFile=" + executorLog;
        SparkSession spark = SparkSession.builder().master(url).appName("qwenvl standalone exit e2e")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.executor.memory", "1g")
                .config("spark.executor.cores", "2")
                .config("spark.cores.max", "2")
                .config("spark.executor.extraClassPath", classPath)
                .config("spark.executor.extraJavaOptions", executorOptions)
                .getOrCreate();
        // a cluster that cannot start the executor would leave the job waiting for resources forever
        boolean registered = Processes.within(180, () -> spark.sparkContext().statusTracker().getExecutorInfos().length > 1);
        if (!registered) {
            spark.stop();
        }
        assertTrue(registered, "the worker started an executor:\n" + read(dir.resolve("worker.log")) + executorStderr(work));
        Path out = dir.resolve("captions.parquet");
        ProcessHandle executor;
        List<ProcessHandle> engines;
        long stopped;
        try {
            java.io.ByteArrayOutputStream stdout = new java.io.ByteArrayOutputStream();
            java.io.ByteArrayOutputStream stderr = new java.io.ByteArrayOutputStream();
            long t0 = System.nanoTime();
            int code = dev.qwenvl.spark.SparkCaptionMain.run(spark, new java.io.PrintStream(stdout, true),
                    new java.io.PrintStream(stderr, true), jobArguments(videos, out).toArray(String[]::new));
            LOG.info("job on the standalone cluster: exit {} in {} s: {}{}", code,
                    String.format("%.1f", (System.nanoTime() - t0) / 1e9), stdout, stderr);
            assertEquals(0, code, stdout + "\n" + stderr);
            List<Row> written = spark.read().parquet(out.toString()).collectAsList();
            assertEquals(2, written.size(), "one window per clip: " + written);
            for (Row r : written) {
                assertNull(r.getAs("error"), String.valueOf(r));
                assertFalse(r.<String>getAs("caption").isBlank(), String.valueOf(r));
            }

            executor = executorProcess();
            executorTree.add(executor);
            executorTree.addAll(executor.descendants().toList());
            engines = Processes.spawnedDescendants(executor);
            LOG.info("executor {} and its processes: {}", executor.pid(), executorTree.stream()
                    .map(p -> p.pid() + " " + abbreviate(Processes.commandLine(p.pid()))).collect(Collectors.joining("; ")));
            assertFalse(engines.isEmpty(), "the executor runs vLLM's engine processes");
        } finally {
            stopped = System.nanoTime();
            spark.stop(); // the application ends
        }

        Map<Long, Long> endedAt = watchUntilEnded(executor, engines, SPARK_GRACE_SECONDS + 20);
        assertTrue(endedAt.containsKey(executor.pid()), "the executor's JVM ended:\n" + read(dir.resolve("worker.log")));
        double exitSeconds = (endedAt.get(executor.pid()) - stopped) / 1e9;
        assertTrue(Processes.within(10, () -> FINISHED.matcher(read(dir.resolve("worker.log"))).find()),
                "the worker reported the executor's end:\n" + read(dir.resolve("worker.log")));
        String workerLog = read(dir.resolve("worker.log"));
        Matcher end = FINISHED.matcher(workerLog);
        assertTrue(end.find());
        String log = read(executorLog);
        LOG.info("the worker: {}; the executor ended {} s after the application stopped; its log ends with:\n{}",
                end.group(), String.format("%.1f", exitSeconds), tail(log, 40));

        LOG.info("the worker's copy of the executor's stderr ends with:\n{}", tail(executorStderr(work), 5));

        String exitStatus = end.group(4);
        assertNotNull(exitStatus, "the worker knows the executor's exit status: " + end.group());
        assertNotEquals("137", exitStatus, "the executor was SIGKILLed after Spark's grace: " + end.group());
        assertTrue(List.of("0", "143").contains(exitStatus), "the executor ended by itself (0) or on SIGTERM (143): "
                + end.group());
        assertFalse(workerLog.contains("Failed to terminate process"), workerLog);
        assertTrue(exitSeconds < SPARK_GRACE_SECONDS, "ended within Spark's 10 s grace: " + exitSeconds + " s");

        assertTrue(log.contains("Spark executor shutdown: closed the captioner"), "the executor logged its close:\n"
                + tail(log, 60));
        // by the executor's hook (through the captioner) or the library's, whichever came first
        assertTrue(ENGINE_CLOSED.matcher(log).find(), "the engine's close was logged:\n" + tail(log, 60));
        assertFalse(log.contains("force killing"), "vLLM's close was graceful:\n" + tail(log, 60));
        for (ProcessHandle engine : engines) { // closed by the executor, not orphaned and swept by the guard later
            assertTrue(endedAt.containsKey(engine.pid()) && endedAt.get(engine.pid()) <= endedAt.get(executor.pid()),
                    "vLLM's process " + engine.pid() + " ended before the executor's JVM: " + endedAt);
        }
        assertTrue(Processes.within(5, () -> executorTree.stream().noneMatch(Processes::alive)),
                "no process of the executor is left: " + executorTree.stream().filter(Processes::alive)
                        .map(p -> p.pid() + " " + Processes.commandLine(p.pid())).toList());
    }

    /**
     * Polls every 20 ms until the executor's JVM has ended (at most {@code seconds}): when each of
     * it and vLLM's processes was first seen gone (System.nanoTime).
     */
    private static Map<Long, Long> watchUntilEnded(ProcessHandle executor, List<ProcessHandle> engines, double seconds)
            throws InterruptedException {
        Map<Long, Long> endedAt = new HashMap<>();
        List<ProcessHandle> watched = new ArrayList<>(engines);
        watched.add(executor);
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!endedAt.containsKey(executor.pid()) && System.nanoTime() < deadline) {
            long now = System.nanoTime();
            for (ProcessHandle p : watched) {
                if (!endedAt.containsKey(p.pid()) && !Processes.alive(p)) {
                    endedAt.put(p.pid(), now);
                }
            }
            Thread.sleep(20);
        }
        return endedAt;
    }

    private static List<String> jobArguments(List<String> videos, Path out) {
        List<String> args = new ArrayList<>(videos);
        args.addAll(List.of("-o", out.toString(), "--partitions", "2",
                "--model-dir", E2ETier.modelDir().toString(), "--variant", "qwen", "--no-fp8",
                "--max-output-tokens", "16", "--engine-arg", "enforce_eager=true", "--seed", "0",
                "--python", TestPython.python().toString(), "--python-env", "VLLM_CPU_KVCACHE_SPACE=1"));
        return args;
    }

    /** A Spark daemon (master or worker) in a JVM of its own; its log goes to NAME.log, its output to NAME.out. */
    private static Process startDaemon(String name, String classPath, List<String> javaOptions, Path logback,
            Path sparkHome, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.addAll(javaOptions);
        cmd.add("-Dlogback.configurationFile=" + logback);
        cmd.add("-Dqwenvl.test.logFile=" + dir.resolve(name + ".log"));
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name + ".out").toFile()));
        // the worker builds each executor's command from SPARK_HOME (its empty jars folder) and the
        // application's spark.executor.extraClassPath
        pb.environment().put("SPARK_HOME", sparkHome.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.13");
        pb.environment().remove("SPARK_CONF_DIR");
        return pb.start();
    }

    /** What the worker copied of the executor's stderr into its work folder. */
    private static String executorStderr(Path work) {
        try (var files = Files.walk(work)) {
            return files.filter(f -> f.getFileName().toString().equals("stderr")).map(SparkStandaloneExitE2EIT::read)
                    .collect(Collectors.joining("\n"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The executor's JVM: the worker's child running CoarseGrainedExecutorBackend. */
    private static ProcessHandle executorProcess() {
        List<ProcessHandle> executors = worker.toHandle().descendants()
                .filter(p -> Processes.commandLine(p.pid()).contains("CoarseGrainedExecutorBackend")).toList();
        assertEquals(1, executors.size(), "one executor: " + executors);
        return executors.get(0);
    }

    /** The test's own classpath (failsafe's manifest-only jar hides it from java.class.path). */
    private static String testClassPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp == null || cp.isBlank() ? System.getProperty("java.class.path") : cp;
    }

    /** The options this JVM got for Spark on Java 17 (pom.xml's qwenvl.spark.jvmArgs), for the cluster's JVMs. */
    private static List<String> sparkJavaOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect") || a.startsWith("-Dio.netty")
                        || a.equals("-XX:+IgnoreUnrecognizedVMOptions"))
                .toList();
    }

    private static void writeVideos(List<String> paths) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(TestPython.python().toString(), "-c", WRITE_VIDEOS,
                TestPython.pythonTests().toString()));
        cmd.addAll(paths);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor(), "writing test videos");
    }

    private static String read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
