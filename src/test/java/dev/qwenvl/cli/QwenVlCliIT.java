package dev.qwenvl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.model.StandInHub;
import dev.qwenvl.jep.TestPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The qwenvl command in a child JVM (the launcher jar when the build made it, else the test
 * classpath), with the real embedded Python, PyAV decoding and the stand-in vllm.
 */
class QwenVlCliIT {
    /** Writes test videos with python/tests/videos.py; paths and sizes arrive as arguments. */
    private static final String WRITE_VIDEOS = String.join("\n",
            "import sys",
            "sys.path.insert(0, sys.argv[1])",
            "import videos",
            "for spec in sys.argv[2:]:",
            "    path, ext, frames, fps = spec.split('|')",
            "    videos.write_video(path, ext=ext, frames=int(frames), fps=int(fps))");

    @TempDir
    static Path shared;

    private static Path folder;
    private static int expectedWindows;

    /** A folder of nine videos: eight of one window and one of two (with --window-frames 32). */
    @BeforeAll
    static void writeVideos() throws Exception {
        folder = Files.createDirectories(shared.resolve("videos"));
        List<String> specs = new ArrayList<>();
        String[] exts = {"mp4", "mkv", "webm"};
        for (int i = 0; i < 8; i++) {
            String ext = exts[i % exts.length];
            specs.add(folder.resolve("sub" + (i % 2)).resolve("clip" + i + "." + ext) + "|" + ext + "|20|10");
        }
        specs.add(folder.resolve("long.mp4") + "|mp4|60|10");
        expectedWindows = 8 + 2;
        Files.createDirectories(folder.resolve("sub0"));
        Files.createDirectories(folder.resolve("sub1"));
        writeVideos(specs);
    }

    private static void writeVideos(List<String> specs) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(TestPython.python().toString(), "-c", WRITE_VIDEOS,
                TestPython.pythonTests().toString()));
        cmd.addAll(specs);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor(), "writing test videos");
    }

    private record Run(int exitCode, String out, String err) {}

    private static List<String> launcher() {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = buildDirectory().resolve("qwenvl-cli.jar");
        if (Files.isRegularFile(jar)) {
            return List.of(java.toString(), "-jar", jar.toString());
        }
        return List.of(java.toString(), "-cp", System.getProperty("java.class.path"), QwenVlCli.class.getName());
    }

    private static Path buildDirectory() {
        try {
            return Path.of(QwenVlCliIT.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ProcessBuilder command(Path workDir, Map<String, String> env, List<String> args) {
        List<String> cmd = new ArrayList<>(launcher());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().remove("QWENVL_MODEL_DIR");
        pb.environment().putAll(env);
        pb.redirectOutput(workDir.resolve("stdout.txt").toFile());
        pb.redirectError(workDir.resolve("stderr.txt").toFile());
        return pb;
    }

    private static Run run(Path workDir, Map<String, String> env, String... args) throws Exception {
        Process p = command(workDir, env, Arrays.asList(args)).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("qwenvl " + String.join(" ", args) + " did not finish within 180 s");
        }
        return new Run(p.exitValue(), read(workDir.resolve("stdout.txt")), read(workDir.resolve("stderr.txt")));
    }

    private static String read(Path p) throws IOException {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static List<String> captionArgs(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("caption", folder.toString(), "-o", out.toString(),
                "--group-size", "2", "--window-frames", "32", "--model-dir", shared.resolve("models").toString(),
                "--python", TestPython.python().toString(), "--python-path", TestPython.testSources().toString()));
        args.addAll(Arrays.asList(more));
        return args;
    }

    private static long completeLines(Path out) throws IOException {
        if (!Files.exists(out)) {
            return 0;
        }
        String text = Files.readString(out, StandardCharsets.UTF_8);
        return text.chars().filter(c -> c == '\n').count();
    }

    /**
     * A run that takes about 7 s after its first line: the stand-in's stream steps take 0.7 s each
     * and finish one window at a time (QWENVL_STANDIN_DELAY_S slows only {@code generate}, which
     * the CLI's stream does not call: with it alone the run could end before a signal landed).
     */
    private static Process startSlowRun(Path workDir, Path out) throws IOException {
        return command(workDir, SLOW_STREAM, captionArgs(out)).start();
    }

    private static final Map<String, String> SLOW_STREAM = Map.of("QWENVL_STANDIN_STEP_S", "0.7",
            "QWENVL_STANDIN_MAX_RUNNING", "1");

    private static void awaitFirstGroup(Process p, Path out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (completeLines(out) == 0) {
            assertTrue(p.isAlive(), "the run ended before writing its first group");
            assertTrue(System.nanoTime() < deadline, "no caption line within 120 s");
            Thread.sleep(20);
        }
    }

    private static void assertEveryWindowExactlyOnce(Path out) throws IOException {
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        List<CaptionLine> parsed = lines.stream().map(CaptionLine::parse).toList(); // every line parses
        Map<String, Long> perWindow = parsed.stream().collect(Collectors.groupingBy(l -> l.video() + "#" + l.window(),
                Collectors.counting()));
        assertEquals(expectedWindows, perWindow.size(), "every window has a line: " + perWindow.keySet());
        perWindow.forEach((k, n) -> assertEquals(1L, n, k + " appears once"));
        assertEquals(9, parsed.stream().map(CaptionLine::video).distinct().count());
        CaptionLine longFirst = parsed.stream().filter(l -> l.video().endsWith("long.mp4") && l.window() == 1).findFirst().orElseThrow();
        assertEquals(32, longFirst.firstFrame());
        assertEquals(59, longFirst.lastFrame());
        assertEquals(3.2, longFirst.startSeconds(), 1e-9);
        assertEquals(6.0, longFirst.endSeconds(), 1e-9);
        assertEquals(ModelVariant.QWEN.modelId(), longFirst.model());
        assertTrue(longFirst.caption().startsWith("caption-"), longFirst.caption());
    }

    @Test
    void aRunKilledAfterItsFirstGroupThenRerunHasEveryWindowExactlyOnce(@TempDir Path work) throws Exception {
        Path out = work.resolve("captions.jsonl");
        Process first = startSlowRun(work, out);
        awaitFirstGroup(first, out);
        first.destroyForcibly(); // SIGKILL: the kernel drops its output lock, its lock file stays
        assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        assertEquals(first.pid(), OutputLock.Holder.parse(read(OutputLock.lockFileOf(out))).orElseThrow().pid(),
                "the killed run's record stays in the lock file");
        long kept = completeLines(out);
        assertTrue(kept >= 1 && kept < expectedWindows, "killed mid-way, after " + kept + " lines");
        // what a kill during a write would leave: half a line
        Files.writeString(out, "{\"video\":\"/half/written.mp4\",\"wind", java.nio.file.StandardOpenOption.APPEND);

        Run second = run(work, Map.of(), captionArgs(out).toArray(String[]::new));
        assertEquals(ExitCodes.OK, second.exitCode(), second.err());
        assertTrue(second.err().contains("removed a torn last line"), second.err());
        assertTrue(second.err().matches("(?s).*9 videos: \\d+ captioned, [1-9]\\d* already done, 0 failed.*"), second.err());
        assertEveryWindowExactlyOnce(out);
        assertEquals(0, Files.size(work.resolve("captions.errors.jsonl")));
        assertFalse(second.err().contains("in use by"), "the killed run's lock did not block the rerun: " + second.err());
        assertEquals(0, Files.size(OutputLock.lockFileOf(out)), "a clean end leaves no holder named");

        Run third = run(work, Map.of(), captionArgs(out).toArray(String[]::new));
        assertEquals(ExitCodes.OK, third.exitCode(), third.err());
        assertTrue(third.err().contains("nothing to do: all 9 videos are already in"), third.err());
        assertEveryWindowExactlyOnce(out);
    }

    /** Waits until {@code p} holds the output's lock (its record is in the lock file). */
    private static void awaitLockHeld(Process p, Path out) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (OutputLock.Holder.parse(read(OutputLock.lockFileOf(out))).map(h -> h.pid() != p.pid()).orElse(true)) {
            assertTrue(p.isAlive(), "the run ended before it locked its output: " + read(out.resolveSibling("stderr.txt")));
            assertTrue(System.nanoTime() < deadline, "no lock within 120 s");
            Thread.sleep(20);
        }
    }

    @Test
    void aSecondRunOnTheSameOutputExitsTwoNamingTheHolderBeforeLoadingAndEveryWindowIsWrittenOnce(@TempDir Path work)
            throws Exception {
        Path out = work.resolve("captions.jsonl");
        Process first = startSlowRun(work, out);
        awaitLockHeld(first, out);
        Path secondDir = Files.createDirectories(work.resolve("second"));
        // a Python that does not exist: a run that got as far as starting the model would fail on it instead
        List<String> args = new ArrayList<>(captionArgs(out));
        args.set(args.indexOf("--python") + 1, work.resolve("no-such-python").toString());
        Run second = run(secondDir, Map.of(), args.toArray(String[]::new));
        assertEquals(ExitCodes.CANNOT_START, second.exitCode(), second.err());
        assertTrue(second.err().contains("the output " + out + " is in use by another qwenvl caption run (pid "
                + first.pid() + " on "), second.err());
        assertFalse(second.err().contains("no-such-python"), "refused before Python or the model: " + second.err());
        assertTrue(first.isAlive(), "refused while the first run still ran");

        assertTrue(first.waitFor(180, TimeUnit.SECONDS), "the first run finishes");
        assertEquals(ExitCodes.OK, first.exitValue(), read(work.resolve("stderr.txt")));
        assertEveryWindowExactlyOnce(out);
        assertEquals(0, Files.size(work.resolve("captions.errors.jsonl")));
    }

    @Test
    void ctrlCExitsWith130AndKeepsEveryFinishedGroup(@TempDir Path work) throws Exception {
        Path out = work.resolve("captions.jsonl");
        Process p = startSlowRun(work, out);
        awaitFirstGroup(p, out);
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run stops on SIGINT");
        String err = read(work.resolve("stderr.txt"));
        assertEquals(ExitCodes.INTERRUPTED, p.exitValue(), err);
        assertTrue(completeLines(out) < expectedWindows, "SIGINT landed while the run was going: " + completeLines(out)
                + " of " + expectedWindows + " windows written");
        assertEquals(1, err.lines().filter(l -> l.startsWith("qwenvl caption: stopped (Ctrl-C or SIGTERM) with ")).count(), err);
        assertTrue(err.matches("(?s).*stopped \\(Ctrl-C or SIGTERM\\) with \\d+ of 9 videos done; every finished video is in "
                + java.util.regex.Pattern.quote(out.toString()) + "\\. Run the same command again to continue.*"), err);
        for (String noise : List.of("failed:", "Exception", "runtime is closed", "Traceback")) {
            assertFalse(err.contains(noise), "no '" + noise + "' on stderr after Ctrl-C: " + err);
        }
        assertEquals(0, Files.size(work.resolve("captions.errors.jsonl")), "a video cut short by Ctrl-C is no failure");
        String text = Files.readString(out);
        assertTrue(text.endsWith("\n"), "no torn line");
        text.lines().forEach(CaptionLine::parse);
    }

    @Test
    void sigquitPrintsAThreadDumpAndSigtermStopsTheRunAsCtrlCDoesWithinEightSecondsLeavingNoProcess(@TempDir Path work)
            throws Exception {
        Path out = work.resolve("captions.jsonl");
        List<String> args = captionArgs(out, "--verbose");
        Process p = command(work, Map.of("QWENVL_STANDIN_STEP_S", "0.7", "QWENVL_STANDIN_MAX_RUNNING", "1",
                "QWENVL_STANDIN_ENGINE_PROCESS", "1"), args)
                .start();
        awaitFirstGroup(p, out);
        List<ProcessHandle> children = p.toHandle().descendants().toList();
        assertFalse(children.isEmpty(), "the stand-in engine runs a process of its own");

        assertEquals(0, new ProcessBuilder("kill", "-QUIT", Long.toString(p.pid())).inheritIO().start().waitFor());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!read(work.resolve("stdout.txt")).contains("Full thread dump")) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "a thread dump on SIGQUIT, and the JVM lives on");
            Thread.sleep(50);
        }

        long termAt = System.nanoTime();
        assertEquals(0, new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).inheritIO().start().waitFor());
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "the run stops on SIGTERM");
        double seconds = (System.nanoTime() - termAt) / 1e9;
        String err = read(work.resolve("stderr.txt"));
        assertEquals(143, p.exitValue(), err);
        assertTrue(completeLines(out) < expectedWindows, "SIGTERM landed while the run was going: " + completeLines(out)
                + " of " + expectedWindows + " windows written");
        assertTrue(seconds < 8, "ended " + seconds + " s after SIGTERM");
        assertEquals(1, err.lines().filter(l -> l.startsWith("qwenvl caption: stopped (Ctrl-C or SIGTERM) with ")).count(), err);
        assertTrue(err.matches("(?s).*stopped \\(Ctrl-C or SIGTERM\\) with \\d+ of 9 videos done; every finished video is in "
                + java.util.regex.Pattern.quote(out.toString()) + "\\. Run the same command again to continue.*"), err);
        assertTrue(err.contains("JVM shutdown: closed 1 vLLM engine(s)"), err);
        for (String noise : List.of("failed:", "Exception", "runtime is closed")) {
            assertFalse(err.contains(noise), "no '" + noise + "' on stderr: " + err);
        }
        String text = Files.readString(out);
        assertTrue(text.endsWith("\n"), "no torn line");
        text.lines().forEach(CaptionLine::parse);
        assertEquals(0, Files.size(work.resolve("captions.errors.jsonl")), "a video cut short by the stop is no failure");
        long deadlineGone = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (children.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadlineGone) {
            Thread.sleep(50);
        }
        assertTrue(children.stream().noneMatch(ProcessHandle::isAlive), "no process left behind: " + children);
    }

    @Test
    void aCorruptVideoIsListedInTheErrorsFileAndTheRunExitsThree(@TempDir Path work) throws Exception {
        Path dir = Files.createDirectories(work.resolve("in"));
        writeVideos(List.of(dir.resolve("good.mp4") + "|mp4|20|10"));
        Path broken = Files.writeString(dir.resolve("broken.mp4"), "this is not a video");
        Path out = work.resolve("out.jsonl");
        Path errors = work.resolve("problems.jsonl");
        Run r = run(work, Map.of(), "caption", dir.toString(), "-o", out.toString(), "--errors", errors.toString(),
                "--model-dir", work.resolve("models").toString(), "--python", TestPython.python().toString(),
                "--python-path", TestPython.testSources().toString());
        assertEquals(ExitCodes.SOME_FAILED, r.exitCode(), r.err());
        assertTrue(r.err().contains("1 captioned, 0 already done, 1 failed (see " + errors + ")"), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals(1, lines.size());
        assertTrue(CaptionLine.parse(lines.get(0)).video().endsWith("good.mp4"));
        List<String> errorLines = Files.readAllLines(errors);
        assertEquals(1, errorLines.size());
        Map<String, Object> e = Json.parseObject(errorLines.get(0));
        assertEquals(broken.toString(), e.get("video"));
        assertEquals("NOT_A_VIDEO", e.get("reason"));
        assertTrue(((String) e.get("message")).contains("broken.mp4"), e.toString());
    }

    @Test
    void devicesAllWithoutAnAcceleratorRunsOneCpuEngineAndSaysSo(@TempDir Path work) throws Exception {
        Path out = work.resolve("out.jsonl");
        Run r = run(work, Map.of("CUDA_VISIBLE_DEVICES", ""), captionArgs(out, "--devices", "all").toArray(String[]::new));
        assertEquals(ExitCodes.OK, r.exitCode(), r.err());
        assertTrue(r.err().contains("devices=all: no accelerator is visible"), r.err());
        assertTrue(r.err().contains("one engine runs on the CPU"), r.err());
        assertEquals(expectedWindows, completeLines(out));
    }

    @Test
    void withoutVllmTheRunCannotStartAndSaysWhatToInstall(@TempDir Path work) throws Exception {
        Run r = run(work, Map.of(), "caption", folder.resolve("long.mp4").toString(), "-o", work.resolve("o.jsonl").toString(),
                "--python", TestPython.python().toString(), "--python-path", TestPython.withoutVllm().toString());
        assertEquals(ExitCodes.CANNOT_START, r.exitCode(), r.err());
        assertTrue(r.err().contains("vllm is not installed in"), r.err());
        assertTrue(r.err().contains("-m pip install vllm"), r.err());
    }

    @Test
    void downloadFetchesFromTheHubSkipsARerunAndReportsAnUnknownRevision(@TempDir Path work) throws Exception {
        ModelVariant v = ModelVariant.QWEN;
        Map<String, String> env = Map.of("HF_HOME", work.resolve("hf-home").toString(), "HF_HUB_DISABLE_TELEMETRY", "1");
        try (StandInHub hub = StandInHub.start(v.modelId(), v.revision())) {
            String[] args = {"download", "--model-dir", work.resolve("models").toString(), "--endpoint", hub.endpoint(),
                    "--python", TestPython.python().toString()};
            Run first = run(work, env, args);
            assertEquals(ExitCodes.OK, first.exitCode(), first.err());
            assertTrue(first.out().contains(v.modelId() + " at " + v.revision() + " downloaded into"), first.out());
            assertTrue(Files.isRegularFile(work.resolve("models").resolve(v.modelId()).resolve("config.json")));

            Run again = run(work, env, args);
            assertEquals(ExitCodes.OK, again.exitCode(), again.err());
            assertTrue(again.out().contains("was already complete"), again.out());

            List<String> wrong = new ArrayList<>(Arrays.asList(args));
            wrong.addAll(List.of("--revision", "deadbee"));
            Run bad = run(work, env, wrong.toArray(String[]::new));
            assertEquals(ExitCodes.FAILED, bad.exitCode(), bad.err());
            assertTrue(bad.err().contains("[UNKNOWN_REVISION]") && bad.err().contains("deadbee"), bad.err());
            assertFalse(bad.err().contains("\tat "), "no stack trace for an expected failure: " + bad.err());
            assertNotEquals("", bad.err());
        }
    }
}
