package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The runtime's backstop for a call whose task waits on a child process that died. */
class StuckCallWatchdogTest {
    @AfterEach
    void resetGrace() {
        System.clearProperty("qwenvl.python.deathGraceSeconds");
    }

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    @Test
    void aTaskStartedBeforeAChildDiedIsGivenUpAfterTheGraceAndLaterCallsAreRefusedUntilItEnds() throws Exception {
        System.setProperty("qwenvl.python.deathGraceSeconds", "0");
        ChildProcesses children = new ChildProcesses();
        StuckCallWatchdog watchdog = new StuckCallWatchdog(children);
        watchdog.taskStarted();
        Thread.sleep(2);
        children.watch(deadPid(), "EngineCore");
        CompletableFuture<Object> waiting = new CompletableFuture<>();
        PythonThreadStuckException e = assertThrows(PythonThreadStuckException.class, () -> watchdog.giveUpIfStuck(waiting));
        assertTrue(e.getMessage().contains("EngineCore"), e.getMessage());
        assertTrue(waiting.isCancelled(), "the waiting call is given up");
        assertSame(e, watchdog.stuck(), "later calls are refused with the same exception");
        watchdog.taskEnded();
        assertNull(watchdog.stuck(), "the thread is free again once the task ends");
    }

    @Test
    void aTaskWithinTheGraceOrStartedAfterTheDeathIsLeftAlone() throws Exception {
        System.setProperty("qwenvl.python.deathGraceSeconds", "3600");
        ChildProcesses children = new ChildProcesses();
        StuckCallWatchdog watchdog = new StuckCallWatchdog(children);
        watchdog.taskStarted();
        Thread.sleep(2);
        children.watch(deadPid(), "EngineCore");
        assertDoesNotThrow(() -> watchdog.giveUpIfStuck(new CompletableFuture<>()), "within the grace");
        System.setProperty("qwenvl.python.deathGraceSeconds", "0");
        watchdog.taskEnded();
        Thread.sleep(2);
        watchdog.taskStarted(); // a new task, started after the death was seen, does not wait on it
        assertDoesNotThrow(() -> watchdog.giveUpIfStuck(new CompletableFuture<>()));
        assertNull(watchdog.stuck());
    }
}
