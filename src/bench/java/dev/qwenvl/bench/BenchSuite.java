package dev.qwenvl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs every benchmark of issue 7 and prints one table: figure, value, target, met?
 *
 * <p>P1 and P2 are JMH benchmarks (each in its own forked JVM); P1's Python half, P3 and P5 run as
 * child processes (python, or a JVM of their own, so every figure starts from a fresh process).
 * Figures are printed, never asserted: a missed target says "NO" in the table and the build goes
 * on. The suite exits non-zero only when a benchmark could not run at all.
 *
 * <p>Output: the table on stdout, and the same table with the machine's description in
 * {@code <build dir>/bench/results.md}; JMH's own report in {@code <build dir>/bench/jmh-*.txt}.
 */
public final class BenchSuite {
    private static final int DECODE_RUNS = 7;
    private static final int SOAK_CALLS = 10_000;
    private static final int SOAK_WARMUP = 10_000;
    /** Video count (4 windows each), warm-up rounds and measured rounds of P4. */
    private static final int P4_VIDEOS = 8;
    private static final int P4_WARMUP = 2;
    private static final int P4_ROUNDS = 10;
    /** {@code -Dqwenvl.bench.only=P1,P4}: run only these benchmarks (empty: all). */
    static final String ONLY = "qwenvl.bench.only";
    static final String E2E_SKIPPED = "skipped — end-to-end tier not installed (run bash python/setup-e2e.sh)";

    private final List<Row> rows = new ArrayList<>();
    private final Path out = BenchEnv.out();
    private boolean crashed;

    record Row(String figure, String value, String target, String met) {}

    public static void main(String[] args) throws Exception {
        BenchSuite suite = new BenchSuite();
        suite.run();
        System.exit(suite.crashed ? 1 : 0);
    }

    private void run() throws IOException {
        Files.createDirectories(out);
        long start = System.nanoTime();
        say("qwenvl-jep benchmarks: results in " + out);
        Map<String, String> machine = machine();
        step("P1 bridge overhead", this::p1);
        step("P2 frame hand-off", this::p2);
        step("P3 decode", this::p3);
        step("P4 end to end", this::p4);
        step("P5 soak", this::p5);
        step("P6 overlap", this::p6);
        step("P7 continuous batching", this::p7);
        step("P8 coalescing", this::p8);
        step("P9 memory", this::p9);
        step("P10 engine pool", this::p10);
        double minutes = (System.nanoTime() - start) / 60e9;
        String table = table();
        System.out.println();
        System.out.println(table);
        System.out.printf(Locale.ROOT, "(suite took %.1f min; machine: %s)%n", minutes, machine);
        StringBuilder md = new StringBuilder("# Benchmark results\n\n");
        md.append("Date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append("  \n");
        machine.forEach((k, v) -> md.append(k).append(": ").append(v).append("  \n"));
        md.append(String.format(Locale.ROOT, "Suite time: %.1f min%n%n", minutes)).append(markdown());
        Files.writeString(out.resolve("results.md"), md);
    }

    private interface Step {
        void run() throws Exception;
    }

    private void step(String name, Step step) {
        String only = System.getProperty(ONLY, "").trim();
        if (!only.isEmpty() && java.util.Arrays.stream(only.split(",")).map(String::trim)
                .noneMatch(id -> name.startsWith(id + " "))) {
            say(name + ": not selected (-D" + ONLY + "=" + only + ")");
            return;
        }
        say(name + " ...");
        long t = System.nanoTime();
        try {
            step.run();
        } catch (Exception | Error e) {
            crashed = true;
            String message = String.valueOf(e.getMessage());
            rows.add(new Row(name, "error: " + e.getClass().getSimpleName() + ": "
                    + (message.length() > 80 ? message.substring(0, 80) + "..." : message), "", "ERROR"));
            System.err.println("[bench] " + name + " failed: " + e);
            e.printStackTrace();
        }
        say(String.format(Locale.ROOT, "%s done in %.0f s", name, (System.nanoTime() - t) / 1e9));
    }

    // ------------------------------------------------------------------------------------- P1

    private void p1() throws Exception {
        Path workload = out.resolve("p1-workload.json");
        BridgeWorkload.writeJson(workload);
        Collection<RunResult> results = jmh(BridgeOverheadBenchmark.class, "jmh-p1.txt", List.of());
        Map<String, Double> scores = new LinkedHashMap<>();
        for (RunResult r : results) {
            scores.put(r.getParams().getBenchmark().replaceAll(".*\\.", ""), median(r));
        }
        double java = scores.get("generate");
        String py = exec(List.of(BenchEnv.python().toString(), BenchEnv.benchPython().resolve("p1_python_loop.py").toString(),
                "--standin", BenchEnv.standIn().toString(), "--workload", workload.toString()), 300).trim();
        Files.writeString(out.resolve("p1-python.json"), py + "\n");
        double python = number(py, "median_ms");
        rows.add(new Row("P1 Java: QwenVL.generate via JEP, 256 inputs, batch 16 (median ms)", ms(java), "", "info"));
        rows.add(new Row("P1 Python: same loop in pure Python (median ms)", ms(python), "", "info"));
        double ratio = java / python;
        rows.add(new Row("P1 bridge overhead: Java time / Python time", fmt(ratio, 3), "<= 1.02", met(ratio <= 1.02)));
        rows.add(new Row("P1 overhead per engine call ((Java - Python) / 16 chunks, ms)", ms((java - python) / 16), "", "info"));
        rows.add(new Row("P1 diagnosis: one empty interpreter call (ms)", ms(scores.get("emptyCall") / 1000), "", "info"));
        rows.add(new Row("P1 diagnosis: one chunk's arguments across the bridge, no engine (ms)",
                ms(scores.get("chunkArguments") / 1000), "", "info"));
        rows.add(new Row("P1 diagnosis: the same without the bridge's list/map conversion (ms)",
                ms(scores.get("chunkArgumentsUnconverted") / 1000), "", "info"));
    }

    // ------------------------------------------------------------------------------------- P2

    private void p2() throws Exception {
        Collection<RunResult> results = jmh(FrameHandoffBenchmark.class, "jmh-p2.txt", List.of("-Xms3g", "-Xmx3g"));
        Map<String, Double> us = new LinkedHashMap<>();
        for (RunResult r : results) {
            String method = r.getParams().getBenchmark().replaceAll(".*\\.", "");
            us.put(method + "@" + r.getParams().getParam("frames"), median(r));
        }
        String[][] variants = {
            {"direct", "direct buffer -> DirectNDArray -> numpy view (no copy)"},
            {"copiedNdArray", "byte[] -> JEP NDArray -> numpy (copy)"},
            {"base64RawJson", "OpenAI JSON body, base64 of raw frames"},
            {"base64JpegJson", "OpenAI JSON body, data:video/jpeg base64 JPEG per frame"},
        };
        for (String t : List.of("8", "64", "256")) {
            for (String[] v : variants) {
                Double value = us.get(v[0] + "@" + t);
                rows.add(new Row("P2 T=" + t + " " + v[1] + " (ms)", value == null ? "missing" : ms(value / 1000), "", "info"));
            }
        }
        double flat = us.get("direct@256") / us.get("direct@8");
        rows.add(new Row("P2 direct flatness: time at T=256 / time at T=8", fmt(flat, 2), "<= 1.5 (flat)", met(flat <= 1.5)));
        double raw = us.get("base64RawJson@64") / us.get("direct@64");
        rows.add(new Row("P2 T=64 speed-up of direct over base64 raw JSON", fmt(raw, 0) + "x", ">= 100x", met(raw >= 100)));
        double jpeg = us.get("base64JpegJson@64") / us.get("direct@64");
        rows.add(new Row("P2 T=64 speed-up of direct over base64 JPEG JSON", fmt(jpeg, 0) + "x", ">= 100x", met(jpeg >= 100)));
        double copy = us.get("copiedNdArray@64") / us.get("direct@64");
        rows.add(new Row("P2 T=64 speed-up of direct over the NDArray copy", fmt(copy, 0) + "x", "", "info"));
    }

    // ------------------------------------------------------------------------------------- P3

    private void p3() throws Exception {
        String ffmpeg = which("ffmpeg");
        if (ffmpeg == null) {
            say("P3: skipped — ffmpeg not found (apt-get install ffmpeg)");
            rows.add(new Row("P3 decode: ffmpeg time / ours", "skipped — ffmpeg not found (apt-get install ffmpeg)",
                    ">= 1.0", "skipped"));
            return;
        }
        say("P3: writing the test videos (cached in " + out.resolve("videos") + ")");
        List<String> videos = exec(List.of(BenchEnv.python().toString(),
                BenchEnv.benchPython().resolve("make_videos.py").toString(), out.resolve("videos").toString()), 600)
                .lines().filter(l -> !l.isBlank()).toList();
        List<String> args = new ArrayList<>(List.of(String.valueOf(DECODE_RUNS), ffmpeg));
        List<String> labels = new ArrayList<>();
        for (String v : videos) {
            String label = Path.of(v).getFileName().toString().replaceAll("\\.mp4$", "");
            labels.add(label);
            args.add(label);
            args.add(v);
        }
        Map<String, String> r = childJvm(DecodeBench.class, List.of("-Xmx1g"), args, 900);
        Files.writeString(out.resolve("p3.txt"), r.toString() + "\n");
        for (String label : labels) {
            double ours = Double.parseDouble(r.get(label + ".ours_ms"));
            double theirs = Double.parseDouble(r.get(label + ".ffmpeg_ms"));
            String what = label.startsWith("noise") ? "10 s noise" : "60 s flat";
            rows.add(new Row("P3 " + what + " 640x360 H.264: ours, probe+plan+decode, uint8 (" + r.get(label + ".ours_frames")
                    + " frames, median ms)", ms(ours), "", "info"));
            rows.add(new Row("P3 " + what + ": ffmpeg -vf fps=2 rgb24 (" + r.get(label + ".ffmpeg_frames")
                    + " frames, median ms)", ms(theirs), "", "info"));
            rows.add(new Row("P3 " + what + ": of which probe, a demux pass ffmpeg does not make (median ms)",
                    ms(Double.parseDouble(r.get(label + ".ours_probe_ms"))), "", "info"));
            rows.add(new Row("P3 " + what + ": ours with Qwen resize+normalise (median ms)",
                    ms(Double.parseDouble(r.get(label + ".ours_preprocessed_ms"))), "", "info"));
            double ratio = theirs / ours;
            rows.add(new Row("P3 " + what + ": ffmpeg time / ours (" + r.get("threads") + " decoder threads each)",
                    fmt(ratio, 2), ">= 1.0", met(ratio >= 1.0)));
        }
    }

    // ------------------------------------------------------------------------------------- P4

    /**
     * P4: end to end through the real vLLM CPU build and the tiny generated Qwen2.5-VL, Java's
     * {@code QwenVL.generate} against a pure-Python loop over the same {@code vllm.LLM} object and
     * the same prepared inputs, in one child JVM ({@link P4Bench}). Skipped, with the command that
     * installs it, when the end-to-end tier (vllm in the environment, the tiny model) is missing.
     */
    private void p4() throws Exception {
        Path model = BenchEnv.e2eModelDir();
        String missing = null;
        if (!Files.isRegularFile(model.resolve("Qwen/Qwen2.5-VL-7B-Instruct/config.json"))) {
            missing = "no tiny model under " + model;
        } else if (!hasVllm()) {
            missing = "no vllm in " + BenchEnv.python();
        }
        if (missing != null) {
            say("P4: " + E2E_SKIPPED);
            say("P4: " + missing);
            rows.add(new Row("P4 end to end (real vLLM)", E2E_SKIPPED, ">= 0.98", "skipped"));
            return;
        }
        Map<String, String> r = childJvm(P4Bench.class, List.of("-Xmx1g"),
                List.of(String.valueOf(P4_VIDEOS), String.valueOf(P4_WARMUP), String.valueOf(P4_ROUNDS)), 600);
        Files.writeString(out.resolve("p4.txt"), r.toString() + "\n");
        double java = Double.parseDouble(r.get("java_captions_per_s"));
        double python = Double.parseDouble(r.get("python_captions_per_s"));
        String what = r.get("windows") + " windows (" + r.get("inputs") + "), batch 16, <= 16 tokens";
        rows.add(new Row("P4 Java: QwenVL.generate, real vLLM " + r.get("vllm") + " CPU, tiny model, " + what
                + " (median captions/s)", fmt(java, 2), "", "info"));
        rows.add(new Row("P4 Python: same loop, same LLM object, same inputs (median captions/s)", fmt(python, 2), "", "info"));
        double ratio = java / python;
        rows.add(new Row("P4 end to end: captions/s Java / captions/s Python", fmt(ratio, 3), ">= 0.98", met(ratio >= 0.98)));
        rows.add(new Row("P4 per-round captions/s, min-max, Java / Python (" + r.get("rounds") + " rounds each)",
                r.get("java_min_max") + " / " + r.get("python_min_max"), "", "info"));
        rows.add(new Row("P4 identical captions, Java vs Python (same seed)", r.get("same_captions"), "", "info"));
        rows.add(new Row("P4 engine start through QwenVL.setup (s)", r.get("engine_start_s"), "", "info"));
    }

    /** Why the end-to-end tier cannot run (null when it can). */
    private static String p4Missing() {
        Path model = BenchEnv.e2eModelDir();
        if (!Files.isRegularFile(model.resolve("Qwen/Qwen2.5-VL-7B-Instruct/config.json"))) {
            return "no tiny model under " + model;
        }
        return hasVllm() ? null : "no vllm in " + BenchEnv.python();
    }

    private static boolean hasVllm() {
        try {
            exec(List.of(BenchEnv.python().toString(), "-c",
                    "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('vllm') else 1)"), 60);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    // ------------------------------------------------------------------------------------- P5

    private void p5() throws Exception {
        Map<String, String> r = childJvm(SoakBench.class,
                List.of("-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch"),
                List.of(String.valueOf(SOAK_CALLS), String.valueOf(SOAK_WARMUP)), 600);
        Files.writeString(out.resolve("p5.txt"), r.toString() + "\n");
        long rssStart = Long.parseLong(r.get("rss_start_kb"));
        long rssEnd = Long.parseLong(r.get("rss_end_kb"));
        double growthMb = (rssEnd - rssStart) / 1024.0;
        long threadsStart = Long.parseLong(r.get("threads_start"));
        long threadsEnd = Long.parseLong(r.get("threads_end"));
        rows.add(new Row("P5 soak: " + r.get("calls") + " generate calls of 2 inputs, after " + SOAK_WARMUP + " warm-up calls (s)", r.get("seconds"), "", "info"));
        long rssMid = Long.parseLong(r.get("rss_mid_kb"));
        rows.add(new Row(String.format(Locale.ROOT, "P5 RSS growth (%.1f MB -> %.1f MB)", rssStart / 1024.0, rssEnd / 1024.0),
                fmt(growthMb, 1) + " MB", "< 20 MB", met(growthMb < 20)));
        rows.add(new Row("P5 RSS growth in the first / second half of the calls",
                fmt((rssMid - rssStart) / 1024.0, 1) + " / " + fmt((rssEnd - rssMid) / 1024.0, 1) + " MB", "", "info"));
        rows.add(new Row("P5 threads (/proc/self/status) start -> end", threadsStart + " -> " + threadsEnd, "constant",
                met(threadsStart == threadsEnd)));
        rows.add(new Row("P5 Java threads start -> end", r.get("java_threads_start") + " -> " + r.get("java_threads_end"),
                "", "info"));
        rows.add(new Row("P5 Python gc-tracked objects start -> end", r.get("python_objects_start") + " -> "
                + r.get("python_objects_end"), "", "info"));
    }

    // --------------------------------------------------------------------------------- P6-P9

    private void p6() throws Exception {
        Map<String, String> r = childJvm(StreamBench.class, List.of("-Xmx1g"), List.of("p6"), 900);
        Files.writeString(out.resolve("p6.txt"), r.toString() + "\n");
        double decode = Double.parseDouble(r.get("decode_s"));
        double engine = Double.parseDouble(r.get("engine_s"));
        double startup = Double.parseDouble(r.get("startup_s"));
        double sequential = Double.parseDouble(r.get("sequential_s"));
        double stream = Double.parseDouble(r.get("stream_s"));
        double bound = 1.15 * Math.max(decode, engine) + startup;
        rows.add(new Row("P6 " + r.get("videos") + " videos (" + r.get("windows") + " windows), real PyAV decode, "
                + "stand-in engine sleeping 0.4 s per window: total decode / total engine (s)",
                fmt(decode, 2) + " / " + fmt(engine, 2), "", "info"));
        rows.add(new Row("P6 today's sequential caption() wall (s)", fmt(sequential, 2), "", "info"));
        rows.add(new Row("P6 streaming wall (s) vs 1.15 x max(decode, engine) + start-up (" + fmt(bound, 2) + " s)",
                fmt(stream, 2), "<= " + fmt(bound, 2), met(stream <= bound)));
        rows.add(new Row("P6 streaming wall / sequential wall", fmt(stream / sequential, 3), "", "info"));
        rows.add(new Row("P6 identical captions, streamed vs sequential", r.get("same_captions"), "true",
                met("true".equals(r.get("same_captions")))));
    }

    private void p10() throws Exception {
        Map<String, String> r = childJvm(PoolBench.class, List.of("-Xmx1g"), List.of(), 600);
        Files.writeString(out.resolve("p10.txt"), r.toString() + "\n");
        double windows = Double.parseDouble(r.get("windows"));
        double one = windows / Double.parseDouble(r.get("one_s"));
        double two = windows / Double.parseDouble(r.get("two_s"));
        rows.add(new Row("P10 " + (int) windows + " windows, stand-in engine sleeping 5 ms per running request per "
                + "step: 1 engine / pool of 2 engines (windows/s)", fmt(one, 1) + " / " + fmt(two, 1), "", "info"));
        rows.add(new Row("P10 pool of 2 / 1 engine (windows/s)", fmt(two / one, 2), ">= 1.8", met(two / one >= 1.8)));
        rows.add(new Row("P10 identical captions, 2 engines vs 1", r.get("same_captions"), "true",
                met("true".equals(r.get("same_captions")))));
    }

    private void p7() throws Exception {
        String missing = p4Missing();
        if (missing != null) {
            say("P7: " + E2E_SKIPPED + " (" + missing + ")");
            rows.add(new Row("P7 continuous batching (real vLLM)", E2E_SKIPPED, ">= 1.0", "skipped"));
            return;
        }
        Map<String, String> r = childJvm(StreamBench.class, List.of("-Xmx1g"), List.of("p7"), 900);
        Files.writeString(out.resolve("p7.txt"), r.toString() + "\n");
        double windows = Double.parseDouble(r.get("windows"));
        double chunked = windows / Double.parseDouble(r.get("chunked_s"));
        double stream = windows / Double.parseDouble(r.get("stream_s"));
        rows.add(new Row("P7 real vLLM " + r.get("vllm") + " CPU, tiny model, " + (int) windows
                + " windows: chunked batch 8 / streamed (captions/s)", fmt(chunked, 2) + " / " + fmt(stream, 2), "",
                "info"));
        rows.add(new Row("P7 captions/s streamed / chunked", fmt(stream / chunked, 3), ">= 1.0", met(stream >= chunked)));
        rows.add(new Row("P7 identical captions, streamed vs chunked (seed 0)", r.get("same_captions"), "true",
                met("true".equals(r.get("same_captions")))));
        rows.add(new Row("P7 streamed mean running batch", fmt(Double.parseDouble(r.get("stream_mean_batch")), 1), "",
                "info"));
    }

    private void p8() throws Exception {
        Map<String, String> r = childJvm(StreamBench.class, List.of("-Xmx1g"), List.of("p8"), 600);
        Files.writeString(out.resolve("p8.txt"), r.toString() + "\n");
        double today = Double.parseDouble(r.get("today_mean_batch"));
        double stream = Double.parseDouble(r.get("stream_mean_batch"));
        rows.add(new Row("P8 16 threads x single windows (" + r.get("requests") + "): mean batch today (generate)",
                fmt(today, 2), "1", "info"));
        rows.add(new Row("P8 mean running batch, streamed", fmt(stream, 2), "> 4", met(stream > 4)));
        rows.add(new Row("P8 wall today / streamed (s)", fmt(Double.parseDouble(r.get("today_s")), 2) + " / "
                + fmt(Double.parseDouble(r.get("stream_s")), 2), "", "info"));
        rows.add(new Row("P8 misrouted captions, today / streamed", r.get("today_misrouted") + " / "
                + r.get("stream_misrouted"), "0 / 0", met("0".equals(r.get("today_misrouted"))
                && "0".equals(r.get("stream_misrouted")))));
    }

    private void p9() throws Exception {
        Map<String, String> r = CliMemoryBench.run(out, 1000);
        Files.writeString(out.resolve("p9.txt"), r.toString() + "\n");
        double growth = (Long.parseLong(r.get("rss_end_kb")) - Long.parseLong(r.get("rss_warm_kb"))) / 1024.0;
        rows.add(new Row("P9 " + r.get("videos") + " short videos through qwenvl caption (stand-in engine): RSS after "
                + r.get("warm_videos") + " videos -> end (MB)", fmt(Long.parseLong(r.get("rss_warm_kb")) / 1024.0, 0)
                + " -> " + fmt(Long.parseLong(r.get("rss_end_kb")) / 1024.0, 0), "", "info"));
        rows.add(new Row("P9 RSS growth after warm-up", fmt(growth, 1) + " MB", "< 100 MB", met(growth < 100)));
        rows.add(new Row("P9 lines written / exit code", r.get("lines") + " / " + r.get("exit"), "", "info"));
    }

    // -------------------------------------------------------------------------------- helpers

    private Collection<RunResult> jmh(Class<?> benchmark, String report, List<String> jvmArgs) throws Exception {
        List<String> args = new ArrayList<>(BenchEnv.childProperties());
        args.addAll(jvmArgs);
        Options options = new OptionsBuilder()
                .include("\\." + benchmark.getSimpleName() + "\\.")
                .jvmArgsAppend(args.toArray(String[]::new))
                .output(out.resolve(report).toString())
                .build();
        return new Runner(options).run();
    }

    /** Median of the measured iterations' scores (each an average time per operation). */
    private static double median(RunResult result) {
        List<Double> scores = new ArrayList<>();
        for (BenchmarkResult b : result.getBenchmarkResults()) {
            for (IterationResult i : b.getIterationResults()) {
                scores.add(i.getPrimaryResult().getScore());
            }
        }
        return BenchEnv.median(scores);
    }

    /** Runs {@code main} of a class in a new JVM with the same classpath; its key=value lines. */
    private Map<String, String> childJvm(Class<?> main, List<String> jvmArgs, List<String> args, int timeoutSeconds)
            throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.addAll(BenchEnv.childProperties());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : exec(cmd, timeoutSeconds).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return values;
    }

    /** Runs a command; returns its stdout (stderr goes to ours); fails on a non-zero exit or timeout. */
    private static String exec(List<String> cmd, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        byte[][] stdout = new byte[1][];
        Thread reader = new Thread(() -> {
            try (InputStream in = p.getInputStream()) {
                stdout[0] = in.readAllBytes();
            } catch (IOException e) {
                stdout[0] = new byte[0];
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out after " + timeoutSeconds + " s: " + describe(cmd));
        }
        reader.join();
        if (p.exitValue() != 0) {
            throw new IllegalStateException("exit " + p.exitValue() + " from " + describe(cmd) + " (its errors are above)");
        }
        return new String(stdout[0], StandardCharsets.UTF_8);
    }

    /** A command without its classpath: the program and, for a JVM, the main class and arguments. */
    private static String describe(List<String> cmd) {
        int cp = cmd.indexOf("-cp");
        List<String> shown = cp >= 0 ? cmd.subList(cp + 2, cmd.size()) : cmd;
        return Path.of(cmd.get(0)).getFileName() + " " + String.join(" ", shown);
    }

    private static String which(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return null;
    }

    /** The number {@code key} of the JSON object {@code json} (Jackson). */
    private static double number(String json, String key) throws IOException {
        JsonNode value = new ObjectMapper().readTree(json).get(key);
        if (value == null || !value.isNumber()) {
            throw new IllegalStateException("no number " + key + " in " + json);
        }
        return value.asDouble();
    }

    private Map<String, String> machine() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("nproc", String.valueOf(Runtime.getRuntime().availableProcessors()));
        m.put("CPU", grep("/proc/cpuinfo", "model name"));
        String mem = grep("/proc/meminfo", "MemTotal");
        m.put("RAM", mem.isEmpty() ? "?" : String.format(Locale.ROOT, "%.1f GiB",
                Long.parseLong(mem.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0));
        m.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        try {
            m.put("Python", exec(List.of(BenchEnv.python().toString(), "-c",
                    "import sys, numpy, av; print(sys.version.split()[0], '(numpy', numpy.__version__ + ', PyAV', av.__version__ + ')')"),
                    60).trim());
        } catch (Exception e) {
            m.put("Python", "? (" + e.getMessage() + ")");
        }
        String ffmpeg = which("ffmpeg");
        if (ffmpeg != null) {
            try {
                m.put("ffmpeg", exec(List.of(ffmpeg, "-version"), 30).lines().findFirst().orElse("?")
                        .replaceAll(" Copyright.*", ""));
            } catch (Exception e) {
                m.put("ffmpeg", "?");
            }
        } else {
            m.put("ffmpeg", "not installed");
        }
        return m;
    }

    private static String grep(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException ignored) {
            // not Linux: leave it out
        }
        return "";
    }

    private String table() {
        int w0 = "figure".length();
        int w1 = "value".length();
        int w2 = "target".length();
        for (Row r : rows) {
            w0 = Math.max(w0, r.figure().length());
            w1 = Math.max(w1, r.value().length());
            w2 = Math.max(w2, r.target().length());
        }
        String format = "%-" + w0 + "s | %" + w1 + "s | %-" + w2 + "s | %s%n";
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, format, "figure", "value", "target", "met?"));
        b.append("-".repeat(w0)).append("-+-").append("-".repeat(w1)).append("-+-").append("-".repeat(w2)).append("-+-----\n");
        for (Row r : rows) {
            b.append(String.format(Locale.ROOT, format, r.figure(), r.value(), r.target(), r.met()));
        }
        return b.toString();
    }

    private String markdown() {
        StringBuilder b = new StringBuilder("| figure | value | target | met? |\n| --- | ---: | --- | --- |\n");
        for (Row r : rows) {
            b.append("| ").append(r.figure()).append(" | ").append(r.value()).append(" | ")
                    .append(r.target().replace("<", "&lt;")).append(" | ").append(r.met()).append(" |\n");
        }
        return b.toString();
    }

    private static String met(boolean ok) {
        return ok ? "yes" : "NO";
    }

    private static String ms(double ms) {
        if (ms >= 100) {
            return fmt(ms, 0) + " ms";
        }
        if (ms >= 1) {
            return fmt(ms, 2) + " ms";
        }
        return fmt(ms, 3) + " ms";
    }

    private static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static void say(String line) {
        System.out.println("[bench] " + line);
        System.out.flush();
    }
}
