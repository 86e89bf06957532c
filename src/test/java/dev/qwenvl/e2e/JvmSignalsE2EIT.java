package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.chaos.Processes;
import dev.qwenvl.jep.TestPython;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process signals of a JVM that runs a real vLLM engine (the launcher jar in a child JVM, the
 * CPU build, the tiny model, no libjsig): SIGQUIT still prints a thread dump and the run goes on;
 * SIGTERM runs the shutdown hooks: the library closes the engine (logged) and the JVM exits with
 * 143 within 8 s, the CLI prints one summary as on Ctrl-C (videos done, run again to continue),
 * with no exception, no torn output line and no process left behind. The hook's close is the
 * engine's ordinary {@code close()}: it ends without vLLM's "force killing" warning (its 5 s wait
 * for the engine core ran out before {@code qwenvl_bridge/vllm_plugin.py}). One engine start, to
 * keep the test short; that the same command continues the run is {@code QwenVlCliIT}'s (stand-in
 * engine).
 */
class JvmSignalsE2EIT {
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
        names = List.of("a.mp4", "b.mp4", "c.mp4", "d.mp4", "e.mp4", "f.mp4");
        List<String> cmd = new ArrayList<>(List.of(TestPython.python().toString(), "-c", WRITE_VIDEOS,
                TestPython.pythonTests().toString()));
        names.forEach(n -> cmd.add(folder.resolve(n).toString()));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor(), "writing test videos");
    }

    private static Process startCli(Path work, Path out, String run) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path jar = Path.of("target", "qwenvl-cli.jar").toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "the launcher jar is built by mvn package: " + jar);
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-jar", jar.toString(), "caption", folder.toString(),
                "-o", out.toString(), "--model-dir", E2ETier.modelDir().toString(), "--no-fp8",
                "--engine-arg", "enforce_eager=true", "--max-output-tokens", "48",
                "--frames-in-flight-mib", "1", "--python", TestPython.python().toString(),
                "--verbose")
                .directory(work.toFile());
        pb.environment().put("VLLM_CPU_KVCACHE_SPACE", "1");
        pb.environment().remove("LD_PRELOAD");
        pb.redirectOutput(work.resolve(run + ".stdout.txt").toFile());
        pb.redirectError(work.resolve(run + ".stderr.txt").toFile());
        return pb.start();
    }

    private static String read(Path work, String file) throws IOException {
        Path p = work.resolve(file);
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

    private static long lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    private static void signal(long pid, String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name);
    }

    @Test
    void sigquitDumpsThreadsAndSigtermClosesTheEngineAndStopsTheRunAsCtrlCDoes(@TempDir Path work) throws Exception {
        Path out = work.resolve("captions.jsonl");
        Process cli = startCli(work, out, "first");
        await(cli, 600, "first caption", () -> lines(out) >= 1);
        List<ProcessHandle> descendants = cli.toHandle().descendants().toList();
        assertEquals(1, Processes.engineCores(cli.toHandle()).size(), "one engine core");

        signal(cli.pid(), "QUIT");
        await(cli, 20, "thread dump", () -> read(work, "first.stdout.txt").contains("Full thread dump"));
        assertTrue(cli.isAlive(), "SIGQUIT does not end the JVM");

        long termAt = System.nanoTime();
        signal(cli.pid(), "TERM");
        assertTrue(cli.waitFor(20, TimeUnit.SECONDS), "the JVM ended after SIGTERM");
        double exitSeconds = (System.nanoTime() - termAt) / 1e9;
        String err = read(work, "first.stderr.txt");
        assertEquals(143, cli.exitValue(), err);
        assertTrue(exitSeconds < 8, "exited " + exitSeconds + " s after SIGTERM: " + err);
        assertTrue(err.contains("JVM shutdown: closed 1 vLLM engine(s)"), err);
        String summary = "qwenvl caption: stopped (Ctrl-C or SIGTERM) with ";
        assertEquals(1, err.lines().filter(l -> l.startsWith(summary)).count(), err);
        assertTrue(err.contains(" of 6 videos done; every finished video is in " + out + ". Run the same command again"), err);
        for (String noise : List.of("failed:", "Exception", "runtime is closed", "force killing", "Traceback")) {
            assertFalse(err.contains(noise), "no '" + noise + "' on stderr: " + err);
        }
        List<String> written = Files.readAllLines(out);
        written.forEach(l -> assertTrue(l.startsWith("{") && l.endsWith("}"), "a whole line: " + l));
        assertTrue(Processes.within(2, () -> descendants.stream().noneMatch(Processes::alive)),
                "no process left behind: " + descendants.stream().filter(Processes::alive).toList());
        System.out.printf("JvmSignalsE2EIT: exit %.1f s after SIGTERM, %d of 6 videos written%n", exitSeconds,
                written.size());
        err.lines().filter(l -> l.contains("JVM shutdown:") || l.contains(" closed in ") || l.contains(" shut down in "))
                .forEach(l -> System.out.println("JvmSignalsE2EIT: " + l));
    }
}
