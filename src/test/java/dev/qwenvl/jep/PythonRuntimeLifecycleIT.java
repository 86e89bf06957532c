package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting, refusing and closing runtimes (its own JVM: CPython starts once per process). */
class PythonRuntimeLifecycleIT {

    @Test
    void aWrongPythonPathGivesOneClearErrorNamingThePath(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-env/bin/python");
        PythonEnvironmentException e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(PythonEnvironmentException.class,
                        () -> PythonRuntime.start(PythonRuntimeConfig.builder().python(missing).build())));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("setup-env.sh"), e.getMessage());
    }

    @Test
    void aPythonWithoutJepIsRefusedWithTheInstallCommand(@TempDir Path dir) throws Exception {
        Path fake = dir.resolve("python");
        // a "python" that answers the probe like an environment without jep
        Files.writeString(fake, "#!/bin/sh\nexec " + TestPython.python() + " -S \"$@\"\n");
        assertTrue(fake.toFile().setExecutable(true));
        PythonEnvironmentException e = assertThrows(PythonEnvironmentException.class,
                () -> PythonRuntime.start(PythonRuntimeConfig.builder().python(fake).build()));
        assertTrue(e.getMessage().contains("jep is not installed in " + fake), e.getMessage());
        assertTrue(e.getMessage().contains("--no-build-isolation jep==4.2.2"), e.getMessage());
    }

    @Test
    void closeIsIdempotentLeavesNoThreadAndRefusesLaterCalls() throws Exception {
        PythonRuntime runtime = PythonRuntime.start(TestPython.config().build());
        Thread thread = runtime.thread();
        assertEquals(3L, ((Number) runtime.call("qwenvl_testing.probes", "weighted_sum", 3, 1)).longValue());
        assertThrows(IllegalStateException.class, () -> PythonRuntime.start(TestPython.config().build()),
                "a second open runtime is refused");
        runtime.close();
        assertDoesNotThrow(runtime::close);
        thread.join(10_000);
        assertFalse(thread.isAlive(), "the interpreter thread must end on close");
        assertFalse(Arrays.stream(allThreads()).anyMatch(t -> t.getName().equals("qwenvl-python")),
                "no qwenvl-python thread may remain");
        assertThrows(IllegalStateException.class, () -> runtime.call("qwenvl_testing.probes", "echo", "x"));

        // the same process can start a runtime again (same environment)
        try (PythonRuntime again = PythonRuntime.start(TestPython.config().build())) {
            assertEquals("y", again.call("qwenvl_testing.probes", "echo", "y"));
        }
    }

    private static Thread[] allThreads() {
        return Thread.getAllStackTraces().keySet().toArray(new Thread[0]);
    }
}
