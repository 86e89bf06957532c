package dev.qwenvl.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.OrphanGuard;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import dev.qwenvl.prompt.QwenPromptFormatter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Chaos with volume: the stand-in vllm in its process mode (a real spawned {@code EngineCore}
 * child that every generate round-trips through, with vLLM's client shape), killed with
 * {@code kill -9} while 16 threads make 200 calls each. The death is a real process death; the
 * volume comes from the stand-in because the real engine makes ~10 calls/s on 2 cores.
 */
@ExtendWith(SharedMemoryLeftCheck.class) // no shared memory outlives the runs (issue 25)
class EngineDeathStandInIT {
    private static final int THREADS = 16;
    private static final int CALLS = 200;
    private static PythonRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = PythonRuntime.start(TestPython.config().environment("QWENVL_STANDIN_ENGINE_PROCESS", "1")
                .environment("QWENVL_STANDIN_CORE_DELAY_S", "0.002").build());
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    private static QwenVL model() {
        return new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen").captionBatchSize(8).build(),
                JepLlmEngine.factory(runtime));
    }

    private static EngineRequest request(String text) {
        ByteBuffer frames = ByteBuffer.allocateDirect(2 * 28 * 28 * 3);
        return new EngineRequest(new QwenPromptFormatter().format(text),
                new VideoPayload.Frames(frames, new int[] {2, 28, 28, 3}, VideoPayload.DType.UINT8)).withFps(2.0);
    }

    /** The stand-in's caption for a prompt. */
    private static String standInCaption(String prompt) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(prompt.getBytes(StandardCharsets.UTF_8));
            return "caption-" + HexFormat.of().formatHex(digest).substring(0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void sixteenThreadsOfTwoHundredCallsEachEndWithinAMinuteAcrossAKilledEngineAndNoneIsMisrouted() throws Exception {
        QwenVL model = model();
        model.setup();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger died = new AtomicInteger();
        AtomicInteger misrouted = new AtomicInteger();
        AtomicLong slowestNanos = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<EngineDiedException> deaths = new ConcurrentLinkedQueue<>();
        CountDownLatch quarter = new CountDownLatch(THREADS * CALLS / 4);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            threads.add(started(new Thread(() -> {
                for (int c = 0; c < CALLS; c++) {
                    List<EngineRequest> batch = new ArrayList<>();
                    for (int k = 0; k <= c % 3; k++) {
                        batch.add(request("Describe video " + thread + "-" + c + "-" + k + "."));
                    }
                    long t0 = System.nanoTime();
                    try {
                        List<String> captions = model.generate(batch, false, 2);
                        for (int k = 0; k < batch.size(); k++) {
                            if (!captions.get(k).equals(standInCaption(dev.qwenvl.engine.PromptTexts.text(batch.get(k))))) {
                                misrouted.incrementAndGet();
                            }
                        }
                        ok.incrementAndGet();
                    } catch (EngineDiedException e) {
                        died.incrementAndGet();
                        deaths.add(e);
                        model.setup(); // restarts the dead engine (once: later callers find it alive)
                    } catch (Throwable e) {
                        unexpected.add(e);
                    } finally {
                        slowestNanos.accumulateAndGet(System.nanoTime() - t0, Math::max);
                        quarter.countDown();
                    }
                }
            }, "caller-" + t)));
        }
        assertTrue(quarter.await(300, TimeUnit.SECONDS), "a quarter of the calls ran");
        List<ProcessHandle> cores = Processes.spawnedChildren();
        assertEquals(1, cores.size(), "one engine core: " + cores);
        Processes.kill9(cores.get(0).pid());
        for (Thread t : threads) {
            t.join(TimeUnit.MINUTES.toMillis(5));
            assertFalse(t.isAlive(), t.getName() + " ended");
        }
        assertTrue(unexpected.isEmpty(), "only EngineDiedException: " + unexpected);
        assertEquals(THREADS * CALLS, ok.get() + died.get(), "every call returned or threw");
        assertEquals(0, misrouted.get(), "no caption reached the wrong caller");
        assertTrue(died.get() >= 1, "the calls in flight at the kill failed");
        assertTrue(slowestNanos.get() < TimeUnit.SECONDS.toNanos(60), "slowest call " + slowestNanos.get() / 1e9 + " s");
        EngineDiedException first = deaths.peek();
        assertTrue(first.getMessage().contains("SIGKILL") && first.signal().orElse("").equals("SIGKILL"), first.getMessage());
        assertEquals(cores.get(0).pid(), first.pid());
        assertTrue(ok.get() > THREADS * CALLS / 4, "calls went on after the restart: " + ok.get());

        model.close();
        assertTrue(Processes.within(5, () -> Processes.spawnedChildren().isEmpty()), "no engine process after close");
        assertTrue(Processes.within(5, () -> !OrphanGuard.running()), "the orphan guard ends with the last engine");
        assertTrue(Processes.withEnvironment(OrphanGuard.ENV + "=" + OrphanGuard.token()).stream()
                        .allMatch(pid -> Processes.commandLine(pid).contains("resource_tracker")),
                "no process of this JVM's Python is left but the interpreter's resource tracker");
    }

    @Test
    void vllmsOwnDeathNoticeAlsoEndsTheEngineAndSetupStartsANewOne() {
        QwenVL model = model();
        model.setup();
        EngineDiedException e = org.junit.jupiter.api.Assertions.assertThrows(EngineDiedException.class,
                () -> model.generate(List.of(request("ENGINE_DEAD now."))));
        assertTrue(e.getMessage().contains("engine core died"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertThrows(EngineDiedException.class, () -> model.generate(List.of(request("later."))));
        model.setup();
        assertEquals(List.of(standInCaption(dev.qwenvl.engine.PromptTexts.text(request("again.")))), model.generate(List.of(request("again."))));
        model.close();
    }

    @Test
    void aGenerateWaitingOnAKilledEngineFailsAtOnceNamingTheSignalAndSetupStartsANewOne() throws Exception {
        QwenVL model = model();
        model.setup();
        assertEquals(1, model.generate(List.of(request("warm up."))).size());
        long pid = Processes.spawnedChildren().get(0).pid();
        Thread killer = started(new Thread(() -> {
            try {
                Thread.sleep(300);
                Processes.kill9(pid);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        long t0 = System.nanoTime();
        EngineDiedException e = org.junit.jupiter.api.Assertions.assertThrows(EngineDiedException.class, () -> {
            for (int i = 0; i < 100_000; i++) {
                model.generate(List.of(request("call " + i + ".")));
            }
        });
        killer.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 30, "failed within 30 s of the kill: " + seconds);
        assertTrue(e.getMessage().contains("EngineCore (pid " + pid + ") was killed by signal 9 (SIGKILL)"), e.getMessage());
        EngineDiedException later = org.junit.jupiter.api.Assertions.assertThrows(EngineDiedException.class,
                () -> model.generate(List.of(request("after."))));
        assertTrue(later.getMessage().contains("died earlier"), later.getMessage());

        model.setup(); // a new engine
        assertEquals(List.of(standInCaption(dev.qwenvl.engine.PromptTexts.text(request("again.")))), model.generate(List.of(request("again."))));
        long t1 = System.nanoTime();
        model.close();
        assertTrue((System.nanoTime() - t1) / 1e9 < 30, "close returns");
        assertTrue(Processes.within(5, () -> Processes.spawnedChildren().isEmpty()), "no engine process after close");
    }

    private static Thread started(Thread t) {
        t.start();
        return t;
    }
}
