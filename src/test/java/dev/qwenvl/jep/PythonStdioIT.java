package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.LoggerFactory;

/** sys.stdout / sys.stderr of the embedded interpreter are real OS descriptors whose lines reach SLF4J. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PythonStdioIT {
    private static final String PROBES = "qwenvl_testing.probes";
    private static PythonRuntime runtime;
    private static final ListAppender<ILoggingEvent> APPENDER = new ListAppender<>();

    @BeforeAll
    static void start() {
        APPENDER.start();
        ((Logger) LoggerFactory.getLogger("python")).addAppender(APPENDER);
        runtime = PythonRuntime.start(TestPython.config().build());
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger("python")).detachAppender(APPENDER);
        if (runtime != null) {
            runtime.close();
        }
    }

    private static List<String> seen() {
        synchronized (APPENDER) {
            return APPENDER.list.stream().map(e -> e.getLoggerName() + " " + e.getLevel() + " " + e.getFormattedMessage()).toList();
        }
    }

    /** Lines cross an OS pipe to a reader thread: they arrive shortly after the call returns. */
    private static void awaitLine(String line) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!seen().contains(line)) {
            assertTrue(System.nanoTime() < deadline, "no '" + line + "' within 10 s; seen: " + seen());
            Thread.sleep(10);
        }
    }

    @Test
    @Order(1)
    void filenoOfStdoutAndStderrAreWorkingDescriptorsWhoseLinesReachSlf4j() throws Exception {
        List<?> fds = (List<?>) runtime.call(PROBES, "std_descriptors");
        int out = ((Number) fds.get(0)).intValue();
        int err = ((Number) fds.get(1)).intValue();
        assertTrue(out > 2 && err > 2, "not the JVM's own fds 1 and 2: " + fds);
        assertNotEquals(out, err);

        assertEquals(13L, ((Number) runtime.call(PROBES, "write_descriptor", out, "os.write out\n")).longValue());
        runtime.call(PROBES, "write_descriptor", err, "os.write err\n");
        awaitLine("python.stdout INFO os.write out");
        awaitLine("python.stderr WARN os.write err");

        runtime.call(PROBES, "log_records", "through-pipes"); // print() and print(file=sys.stderr)
        awaitLine("python.stdout INFO stdout through-pipes");
        awaitLine("python.stderr WARN stderr through-pipes");
    }

    @Test
    @Order(2)
    void aLineLargerThanThePipeBufferDoesNotBlockTheInterpreter() throws Exception {
        String big = "x".repeat(300_000); // > a pipe's 64 KiB: the writer blocks until Java drains it
        runtime.call(PROBES, "write_descriptor", ((Number) ((List<?>) runtime.call(PROBES, "std_descriptors")).get(0)).intValue(),
                big + "\nafter the big one\n");
        awaitLine("python.stdout INFO after the big one");
    }

    @Test
    @Order(3)
    void closeLogsTheLastLinesAndDoesNotWaitForAChildThatKeepsACopyOfThePipes() throws Exception {
        assertTrue(readers() > 0, "reader threads run while the runtime is open");
        List<?> fds = (List<?>) runtime.call(PROBES, "std_descriptors");
        // as multiprocessing's resource tracker (started with vLLM's first process) keeps sys.stderr
        long pid = ((Number) runtime.call(PROBES, "child_holding_std_streams", 60)).longValue();
        ProcessHandle holder = ProcessHandle.of(pid).orElseThrow();
        try {
            runtime.call(PROBES, "write_descriptor", fds.get(0), "the last line\n");
            runtime.call(PROBES, "write_descriptor", fds.get(1), "last words without a newline");
            long started = System.nanoTime();
            runtime.close();
            double seconds = (System.nanoTime() - started) / 1e9;
            List<String> seen = seen().stream().filter(l -> l.length() < 200).toList(); // not the 300 kB line
            assertTrue(seen.contains("python.stdout INFO the last line"), "logged before close() returned: " + seen);
            assertTrue(seen.contains("python.stderr WARN last words without a newline"), "logged before close() returned: " + seen);
            assertTrue(seen.stream().noneMatch(l -> l.contains("qwenvl-stdio-end")), "the end mark is not logged: " + seen);
            assertTrue(seconds < 3, "close() took " + seconds + " s: it waited for the pipes' end of file, which the "
                    + "child's copies hold back");
        } finally {
            holder.destroyForcibly();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (readers() > 0) {
            assertTrue(System.nanoTime() < deadline, "reader threads still alive 10 s after the last copy of the pipes closed");
            Thread.sleep(10);
        }
    }

    private static long readers() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("qwenvl-python-std") && t.isAlive()).count();
    }
}
