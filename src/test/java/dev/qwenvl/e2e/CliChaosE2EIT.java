package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.chaos.Processes;
import dev.qwenvl.chaos.SharedMemoryLeftCheck;
import dev.qwenvl.jep.TestPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos tier through the command line (the launcher jar in a child JVM, the real vLLM CPU
 * build, the tiny model): the engine core killed mid-run, and the JVM itself killed with
 * {@code kill -9} while the model loads.
 */
@ExtendWith(SharedMemoryLeftCheck.AnyPythonSegment.class) // vLLM's psm_* segments do not outlive the runs (issue 25)
class CliChaosE2EIT {
    private static final String WRITE_VIDEOS = String.join("\n",
            "import sys",
            "sys.path.insert(0, sys.argv[1])",
            "import videos",
            "for path in sys.argv[2:]:",
            "    videos.write_video(path, ext='mp4', frames=40, fps=10, width=96, height=64, noise=True)");

    @TempDir
    static Path shared;
    private static Path folder;
    private static List<String> names;

    @BeforeAll
    static void writeVideos() throws Exception {
        E2ETier.assumeInstalled();
        folder = Files.createDirectories(shared.resolve("videos"));
        names = List.of("a.mp4", "b.mp4", "c.mp4");
        List<String> cmd = new ArrayList<>(List.of(TestPython.python().toString(), "-c", WRITE_VIDEOS,
                TestPython.pythonTests().toString()));
        names.forEach(n -> cmd.add(folder.resolve(n).toString()));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor(), "writing test videos");
    }

    private static Process startCli(Path work, Path out) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = Path.of("target", "qwenvl-cli.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the launcher jar is built by mvn package: " + jar);
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "caption", folder.toString(),
                "-o", out.toString(), "--model-dir", E2ETier.modelDir().toString(), "--no-fp8",
                "--engine-arg", "enforce_eager=true", "--max-output-tokens", "64",
                // a frame budget of 1 MiB streams one video at a time: the kill hits the first video's
                // window, and the videos not started yet are captioned after the restart
                "--frames-in-flight-mib", "1", "--batch-size", "1", "--python", TestPython.python().toString(),
                "--verbose")
                .directory(work.toFile());
        pb.environment().put("VLLM_CPU_KVCACHE_SPACE", "1");
        pb.redirectOutput(work.resolve("stdout.txt").toFile());
        pb.redirectError(work.resolve("stderr.txt").toFile());
        return pb.start();
    }

    private static String stderr(Path work) throws IOException {
        Path p = work.resolve("stderr.txt");
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }

    private static void await(Process cli, double seconds, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!check.holds()) {
            assertTrue(cli.isAlive(), "the run ended before " + what);
            assertTrue(System.nanoTime() < deadline, "no " + what + " within " + seconds + " s");
            Thread.sleep(100);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    @Test
    void killingTheEngineCoreMidRunRecordsTheLostWindowsRestartsTheEngineOnceAndExitsThree(@TempDir Path work)
            throws Exception {
        Path out = work.resolve("captions.jsonl");
        long t0 = System.nanoTime();
        Process cli = startCli(work, out);
        await(cli, 600, "loaded engine", () -> stderr(work).contains("vLLM engine 1 loaded"));
        double loadSeconds = (System.nanoTime() - t0) / 1e9;
        List<ProcessHandle> cores = Processes.engineCores(cli.toHandle());
        assertEquals(1, cores.size(), "one engine core: " + cores);
        // the first request has entered the engine's stream (JepLlmEngine logs it)
        await(cli, 120, "first engine call", () -> stderr(work).contains("streams requests from now on"));
        Processes.kill9(cores.get(0).pid());
        long killed = System.nanoTime();

        // The restart loads the model again: the bound is 60 s plus that load, measured above on this machine.
        double bound = 60 + loadSeconds;
        if (!cli.waitFor((long) bound, TimeUnit.SECONDS)) {
            cli.destroyForcibly();
            String tail = stderr(work);
            throw new AssertionError("the run did not end within " + bound + " s of the kill; its stderr ends with:\n"
                    + tail.substring(Math.max(0, tail.length() - 6000)));
        }
        double afterKill = (System.nanoTime() - killed) / 1e9;
        String err = stderr(work);
        assertEquals(3, cli.exitValue(), err);
        assertTrue(err.contains("restarting the engine"), err);
        assertTrue(err.contains("vLLM engine 2 loaded"), "a second engine was started: " + err);

        List<String> errorLines = Files.readAllLines(work.resolve("captions.errors.jsonl"));
        assertFalse(errorLines.isEmpty(), "the lost window is recorded");
        errorLines.forEach(l -> assertTrue(l.contains("\"reason\":\"ENGINE_DIED\"") && l.contains("SIGKILL"), l));
        Set<String> failed = errorLines.stream().map(l -> l.replaceAll(".*\"video\":\"([^\"]+)\".*", "$1"))
                .collect(Collectors.toSet());
        Set<String> captioned = Files.readAllLines(out).stream()
                .map(l -> l.replaceAll(".*\"video\":\"([^\"]+)\".*", "$1")).collect(Collectors.toSet());
        Set<String> all = names.stream().map(n -> folder.resolve(n).toString()).collect(Collectors.toSet());
        assertTrue(captioned.size() >= 1, "captioning went on after the restart: " + captioned);
        Set<String> union = new java.util.HashSet<>(failed);
        union.addAll(captioned);
        assertEquals(all, union, "every video is captioned or recorded");
        assertTrue(java.util.Collections.disjoint(failed, captioned), "no video both failed and captioned");
        System.out.printf("engine load %.1f s; run ended %.1f s after the kill%n", loadSeconds, afterKill);
        assertTrue(Processes.within(5, () -> cli.toHandle().descendants().noneMatch(Processes::alive)),
                "the run left no process behind");
        // the killed core's shared memory was removed by the guard during the run, not left for the tracker
        assertFalse(stderr(work).contains("leaked shared_memory"), stderr(work));
    }

    @Test
    void killingTheJvmWhileTheModelLoadsLeavesNoVllmProcessAfterFiveSeconds(@TempDir Path work) throws Exception {
        Process cli = startCli(work, work.resolve("captions.jsonl"));
        // vLLM has renamed its core (VLLM::EngineCore), which hides the environment token in /proc:
        // the guard must know the core from its own records
        await(cli, 300, "renamed engine core", () -> Processes.engineCores(cli.toHandle()).stream()
                .anyMatch(p -> Processes.commandLine(p.pid()).startsWith("VLLM::")));
        Thread.sleep(1500); // the guard looks twice a second; the core is loading the model
        List<ProcessHandle> before = cli.toHandle().descendants().toList();
        assertTrue(before.size() >= 2, "engine core and orphan guard at least: " + before);
        Processes.kill9(cli.pid());
        assertTrue(cli.waitFor(10, TimeUnit.SECONDS));
        assertTrue(Processes.within(5, () -> before.stream().noneMatch(Processes::alive)),
                "every process the JVM started ended within 5 s of its kill -9: "
                        + before.stream().filter(Processes::alive).map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                        .toList());
    }
}
