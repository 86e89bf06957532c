package dev.qwenvl.jep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The embedded runtime against the real JEP and CPython of the project environment. */
class PythonRuntimeIT {
    private static final String PROBES = "qwenvl_testing.probes";
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

    @Test
    void eightThreadsMakingTwoHundredCallsEachGetTheirOwnRightAnswersWithoutNewThreads() throws Exception {
        runtime.call(PROBES, "weighted_sum", 10, 1); // warm up: numpy imported
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        List<Thread> callerThreads = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService callers = Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "caller-" + callerThreads.size());
            callerThreads.add(t);
            return t;
        });
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                results.add(callers.submit((Callable<Integer>) () -> {
                    int right = 0;
                    for (int i = 0; i < 200; i++) {
                        int n = 100 + i;
                        long seed = thread * 1000L + i;
                        long expected = seed * (long) n * (n - 1) / 2;
                        Object answer = runtime.call(PROBES, "weighted_sum", n, seed);
                        assertEquals(expected, ((Number) answer).longValue(), "thread " + thread + " call " + i);
                        right++;
                    }
                    return right;
                }));
            }
            assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
                for (Future<Integer> f : results) {
                    assertEquals(200, f.get());
                }
            });
        } finally {
            callers.shutdown();
        }
        assertTrue(callers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS));
        for (Thread t : callerThreads) {
            t.join(10_000); // a pool's worker can still be exiting after awaitTermination returns
        }
        java.util.Set<Thread> after = new java.util.HashSet<>(Thread.getAllStackTraces().keySet());
        after.removeAll(before);
        after.removeIf(t -> t.getName().startsWith("junit-timeout")); // JUnit's watchdog for assertTimeoutPreemptively
        assertEquals(java.util.Set.of(), after, "the runtime must not start threads per call");
    }

    @Test
    void everyCallRunsOnTheOneInterpreterThread() throws Exception {
        Thread runtimeThread = runtime.thread();
        Object fromHere = runtime.execute(py -> Thread.currentThread());
        ExecutorService other = Executors.newSingleThreadExecutor();
        Object fromElsewhere;
        try {
            fromElsewhere = other.submit(() -> runtime.execute(py -> Thread.currentThread())).get();
        } finally {
            other.shutdown();
        }
        assertEquals(runtimeThread, fromHere);
        assertEquals(runtimeThread, fromElsewhere);
        assertNotEquals(Thread.currentThread(), runtimeThread);
    }

    @Test
    void aPythonExceptionThreeCallsDeepArrivesWithTypeMessageAndTraceback() {
        PythonException e = assertThrows(PythonException.class,
                () -> runtime.call(PROBES, "fail_three_deep", "the disk is made of cheese"));
        assertEquals("builtins.ValueError", e.pythonType());
        assertTrue(e.isType("ValueError"));
        assertEquals("the disk is made of cheese", e.pythonMessage());
        assertTrue(e.pythonTraceback().contains("in _third"), e.pythonTraceback());
        assertTrue(e.pythonTraceback().contains("in _second"), e.pythonTraceback());
        assertTrue(e.pythonTraceback().contains("in _first"), e.pythonTraceback());
        assertTrue(e.getMessage().contains("qwenvl_testing.probes.fail_three_deep"), e.getMessage());
        // the runtime stays usable after an error
        assertEquals(6L, ((Number) runtime.call(PROBES, "weighted_sum", 3, 2)).longValue());
    }

    @Test
    void stringsTravelAsValuesAndComeBackUnchanged(@TempDir Path dir) throws Exception {
        Path pwned = dir.resolve("pwned");
        String injection = "\"); import os; os.system(\"touch " + pwned + "\"); (\"";
        List<String> samples = List.of(
                "plain",
                "single ' and double \" quotes",
                "back\\slash \\n \\\\ \\x00-not-a-nul",
                "new\nlines\r\nand\ttabs",
                "non-ASCII: Grüße, 日本語, emoji 🎬, RTL עברית",
                "'''triple''' \"\"\"quotes\"\"\"",
                injection,
                "${jndi:ldap://x} %s {0} \\1 $1");
        for (String s : samples) {
            assertEquals(s, runtime.call(PROBES, "echo", s), "round trip of " + s);
            assertEquals("str", ((List<?>) runtime.call(PROBES, "describe", s)).get(0));
        }
        assertFalse(Files.exists(pwned), "the injection text must never run");
    }

    @Test
    void javaCollectionsArriveAsPythonListsAndDicts() {
        List<?> described = (List<?>) runtime.call(PROBES, "describe", Map.of("k", List.of(1, "two")));
        assertEquals("dict", described.get(0));
        assertEquals("{'k': [1, 'two']}", described.get(1));
    }

    @Test
    void pythonLoggingAndPrintsFromAnyPythonThreadReachSlf4j() throws InterruptedException {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        Logger python = (Logger) LoggerFactory.getLogger("python");
        python.addAppender(appender);
        List<String> expected = List.of("python.qwenvl_testing.probes WARN main-thread hello-logs",
                "python.qwenvl_testing.probes WARN worker-thread hello-logs",
                "python.stdout INFO stdout hello-logs",
                "python.stderr WARN stderr hello-logs");
        List<String> seen = List.of();
        try {
            runtime.call(PROBES, "log_records", "hello-logs");
            // prints cross an OS pipe to a Java reader thread (PythonStdio): they arrive shortly after
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (!(seen = seen(appender)).containsAll(expected) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } finally {
            python.detachAppender(appender);
        }
        for (String line : expected) {
            assertTrue(seen.contains(line), line + " in " + seen);
        }
    }

    private static List<String> seen(ListAppender<ILoggingEvent> appender) {
        synchronized (appender) {
            return appender.list.stream().map(ev -> ev.getLoggerName() + " " + ev.getLevel() + " " + ev.getFormattedMessage()).toList();
        }
    }

    @Test
    void sysExecutableIsTheEnvironmentsPython() {
        Path expected = runtime.environment().executable();
        assertEquals(expected.toString(), runtime.call(PROBES, "sys_executable"));
    }
}
