package dev.qwenvl.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No orphans, however the JVM ends: a child JVM holds an engine with a real engine process (the
 * stand-in's process mode) and ends by {@code kill -9}, {@code System.exit} without close, or an
 * uncaught exception; within 5 s no process it started is left, and no shared-memory segment its
 * engine process made (the orphan guard sweeps them). The real vLLM's case (killed
 * while loading the model) is in CliChaosE2EIT.
 */
class NoOrphansIT {

    @ParameterizedTest
    @ValueSource(strings = {"kill-9", "exit", "throw"})
    void everyProcessTheJvmStartedEndsWithinFiveSecondsOfItsEnd(String how) throws Exception {
        java.util.Set<String> shmBefore = SharedMemoryLeftCheck.names();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process jvm = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dqwenvl.test.python=" + System.getProperty("qwenvl.test.python", ""),
                "-Dqwenvl.python=" + System.getProperty("qwenvl.python", ""),
                EngineHolderMain.class.getName(), how.equals("kill-9") ? "wait" : how)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null && !line.equals("READY")) {
            // other output
        }
        assertEquals("READY", line);
        List<ProcessHandle> started = jvm.toHandle().descendants().filter(Processes::alive).toList();
        assertTrue(started.size() >= 2, "an engine process and the orphan guard at least: " + started);
        if (how.equals("kill-9")) {
            Processes.kill9(jvm.pid());
        } else {
            jvm.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
            jvm.getOutputStream().flush();
        }
        assertTrue(jvm.waitFor(60, TimeUnit.SECONDS), "the JVM ended");
        long ended = System.nanoTime();
        boolean clean = Processes.within(5, () -> started.stream().noneMatch(Processes::alive));
        assertTrue(clean, how + ": left " + started.stream().filter(Processes::alive)
                .map(p -> p.pid() + " " + Processes.commandLine(p.pid())).toList());
        List<Long> jvmPid = List.of(jvm.pid());
        boolean noShm = Processes.within(SharedMemoryLeftCheck.WAIT_S,
                () -> SharedMemoryLeftCheck.leftSince(shmBefore, jvmPid).isEmpty());
        assertTrue(noShm, how + ": left shared memory " + SharedMemoryLeftCheck.leftSince(shmBefore, jvmPid));
        System.out.printf("%s: %d processes ended %.2f s after the JVM%n", how, started.size(), (System.nanoTime() - ended) / 1e9);
    }
}
