package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.TestPython;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The executor's captioner holder with the real embedded Python and the stand-in vllm (no Spark
 * needed: the holder is what Spark tasks call). The holder is per JVM, so the tests run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExecutorCaptionersIT {
    private static final ExecutorService THREADS = Executors.newFixedThreadPool(4);

    private static SparkCaptionConfig config(int maxOutputTokens) {
        QwenVlConfig model = QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(4).maxOutputTokens(maxOutputTokens).build();
        return SparkCaptionConfig.of(model, CaptionSettings.defaults()).withPython(TestPython.python())
                .withPythonPath(TestPython.testSources()).withPythonEnvironment("QWENVL_TEST", "1");
    }

    @AfterAll
    static void stop() {
        THREADS.shutdownNow();
        ExecutorCaptioners.closeAll();
    }

    @Test
    @Order(1)
    void theFirstTasksGpusReachTheEmbeddedPythonBeforeVllmIsImported() {
        try (ExecutorCaptioners.Lease lease = ExecutorCaptioners.acquire(config(16), new Accelerator(List.of("3", "5")))) {
            assertEquals("3,5", ExecutorCaptioners.runtime().call("os", "getenv", "CUDA_VISIBLE_DEVICES"));
            assertEquals("1", ExecutorCaptioners.runtime().call("os", "getenv", "QWENVL_TEST"));
            assertEquals(1, ExecutorCaptioners.captionersCreated());
        }
    }

    @Test
    @Order(2)
    void tasksAcquiringAtOnceShareOneCaptioner() throws Exception {
        int before = ExecutorCaptioners.captionersCreated();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<ExecutorCaptioners.Lease>> leases = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            leases.add(THREADS.submit(() -> {
                go.await();
                return ExecutorCaptioners.acquire(config(8), Accelerator.NONE);
            }));
        }
        go.countDown();
        List<ExecutorCaptioner> captioners = new ArrayList<>();
        for (Future<ExecutorCaptioners.Lease> f : leases) {
            captioners.add(f.get(60, TimeUnit.SECONDS).captioner());
        }
        captioners.forEach(c -> assertSame(captioners.get(0), c));
        assertEquals(before + 1, ExecutorCaptioners.captionersCreated(), "one new captioner for four tasks");
        for (Future<ExecutorCaptioners.Lease> f : leases) {
            f.get().close();
        }
    }

    @Test
    @Order(3)
    void aTaskWithAnotherConfigWaitsUntilNoTaskHoldsTheCurrentOne() throws Exception {
        ExecutorCaptioners.Lease held = ExecutorCaptioners.acquire(config(8), Accelerator.NONE);
        ExecutorCaptioner old = held.captioner();
        int before = ExecutorCaptioners.captionersCreated();
        Future<ExecutorCaptioners.Lease> other = THREADS.submit(() -> ExecutorCaptioners.acquire(config(4), Accelerator.NONE));
        Thread.sleep(500);
        assertFalse(other.isDone(), "waits while a task holds the captioner of another config");
        held.close();
        try (ExecutorCaptioners.Lease lease = other.get(60, TimeUnit.SECONDS)) {
            assertNotSame(old, lease.captioner());
        }
        assertEquals(before + 1, ExecutorCaptioners.captionersCreated());
        assertThrows(IllegalStateException.class, held::captioner, "a closed lease gives nothing");
    }

    @Test
    @Order(4)
    void aDiscardedCaptionerIsReplacedForTheNextTask() {
        ExecutorCaptioner first;
        try (ExecutorCaptioners.Lease lease = ExecutorCaptioners.acquire(config(4), Accelerator.NONE)) {
            first = lease.captioner();
            lease.discard();
        }
        int before = ExecutorCaptioners.captionersCreated();
        try (ExecutorCaptioners.Lease lease = ExecutorCaptioners.acquire(config(4), Accelerator.NONE)) {
            assertNotSame(first, lease.captioner());
        }
        assertEquals(before + 1, ExecutorCaptioners.captionersCreated());
    }

    @Test
    @Order(5)
    void anotherPythonEnvironmentInTheSameJvmIsRefusedWithTheReason() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ExecutorCaptioners.acquire(config(4).withPythonEnvironment("QWENVL_TEST", "2"), Accelerator.NONE));
        assertTrue(e.getMessage().contains("one CPython per process"), e.getMessage());
    }
}
