package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The JVM keeps its signal handlers while the embedded Python runs native code: a handler a
 * library installs over one of the JVM's is put back (with one WARN naming the signal and the
 * library), and Python code cannot take the JVM's process signals. Without the restore the NPE
 * loop below ends this JVM (the test library's handler is {@code _exit}: exit status 11).
 */
class SignalDispositionsIT {
    private static final String SIGNALS = "qwenvl_bridge.signals";
    private static final String TAKER = "qwenvl_testing.signal_taker";
    private static PythonRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = PythonRuntime.start(TestPython.config().build());
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, List<Object>> dispositions() {
        return (Map<String, List<Object>>) runtime.call(SIGNALS, "dispositions");
    }

    private static int hash(Object o) {
        return o.hashCode();
    }

    /** NullPointerExceptions thrown by C2-compiled code: HotSpot traps them through SIGSEGV. */
    static long nullPointerLoop() {
        long thrown = 0;
        for (int i = 0; i < 20_000_000; i++) {
            try {
                hash((i & 1023) == 0 ? null : "x");
            } catch (NullPointerException e) {
                thrown++;
            }
        }
        assertEquals(20_000_000 / 1024 + 1, thrown);
        return thrown;
    }

    @Test
    void theJvmsHandlersAreRecordedWhenTheRuntimeStarts() {
        Map<String, List<Object>> now = dispositions();
        for (String signal : List.of("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGUSR2", "SIGQUIT", "SIGINT", "SIGTERM", "SIGHUP")) {
            assertTrue(String.valueOf(now.get(signal).get(2)).contains("libjvm.so"), signal + ": " + now.get(signal));
        }
        // CPython's own initialisation ignores these two, as HotSpot's handler does
        assertEquals("SIG_IGN", now.get("SIGPIPE").get(2));
        assertEquals("SIG_IGN", now.get("SIGXFSZ").get(2));
        assertEquals(Boolean.TRUE, runtime.call(SIGNALS, "recorded"));
    }

    @Test
    void aSigsegvHandlerInstalledByANativeLibraryIsReplacedByTheJvmsWithOneWarning() {
        List<Object> before = dispositions().get("SIGSEGV");
        Logger logger = (Logger) LoggerFactory.getLogger(PythonLogSink.PREFIX + SIGNALS);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            String taker = (String) runtime.call(TAKER, "take", "SIGSEGV");
            assertTrue(taker.contains("libc.so"), taker);
            @SuppressWarnings("unchecked")
            List<List<String>> changed = (List<List<String>>) runtime.call(SIGNALS, "restore", "the test's native step");
            assertEquals(List.of(List.of("SIGSEGV", taker)), changed);
            assertEquals(before, dispositions().get("SIGSEGV"), "handler, flags and library as the JVM had them");
            nullPointerLoop(); // with libc's _exit left in place this ends the JVM with status 11

            runtime.call(TAKER, "take", "SIGSEGV"); // the same library again: restored, not warned twice
            runtime.call(SIGNALS, "restore", "the test's native step");
        } finally {
            logger.detachAppender(appender);
        }
        List<String> warnings = appender.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                .map(ILoggingEvent::getFormattedMessage).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("the test's native step replaced the JVM's SIGSEGV handler with one from")
                && warnings.get(0).contains("libc.so"), warnings.get(0));
    }

    @Test
    void theWatcherPutsBackAHandlerTakenOnAnotherThreadWithinASecond() throws InterruptedException {
        List<Object> before = dispositions().get("SIGBUS");
        runtime.call(TAKER, "take", "SIGBUS");
        long deadline = System.nanoTime() + 3_000_000_000L;
        while (!before.equals(dispositions().get("SIGBUS")) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(before, dispositions().get("SIGBUS"));
    }

    @Test
    void pythonCodeCannotTakeTheJvmsProcessSignals() {
        Map<String, List<Object>> before = dispositions();
        for (String signal : List.of("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")) {
            String answer = (String) runtime.call(TAKER, "python_takes", signal);
            assertFalse(answer.startsWith("ValueError"), answer);
        }
        assertEquals(before, dispositions());
        // without the guard CPython refuses too, with an error its callers do not expect: inside JEP the
        // interpreter's thread is not the thread that initialised CPython
        String unguarded = (String) runtime.call(TAKER, "python_takes_unguarded", "SIGTERM");
        assertTrue(unguarded.startsWith("ValueError: signal only works in main thread"), unguarded);
        @SuppressWarnings("unchecked")
        List<List<String>> refused = (List<List<String>>) runtime.call(SIGNALS, "python_refused");
        assertTrue(refused.stream().anyMatch(r -> r.get(0).equals("SIGTERM") && r.get(1).contains("signal_taker.py")),
                refused.toString());
    }
}
