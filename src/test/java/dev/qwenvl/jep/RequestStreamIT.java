package dev.qwenvl.jep;

import dev.qwenvl.engine.EngineTimings;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.StreamStats;
import dev.qwenvl.engine.VideoPayload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The asynchronous engine ({@link JepLlmEngine#submit}) over the stand-in vllm's LLMEngine
 * surface, whose steps sleep 5 ms (accelerator time) and whose requests take 4 steps: results
 * reach their own callers, requests of many threads share the running batch, a refused request
 * fails alone, close and engine death leave no future hanging.
 */
class RequestStreamIT {
    private static PythonRuntime runtime;

    @BeforeAll
    static void start() {
        runtime = PythonRuntime.start(TestPython.config().addPath(TestPython.pythonTests())
                .environment("QWENVL_STANDIN_STEP_S", "0.005").environment("QWENVL_STANDIN_TOKENS", "4").build());
    }

    @AfterAll
    static void stop() {
        runtime.close();
    }

    static final SamplingParams SAMPLING = new SamplingParams(0.1, 0.001, 1.05, 64, List.of(), 7);

    static EngineRequest request(String prompt) {
        ByteBuffer frames = ByteBuffer.allocateDirect(2 * 28 * 28 * 3);
        return new EngineRequest(prompt, new VideoPayload.Frames(frames, new int[] {2, 28, 28, 3},
                VideoPayload.DType.UINT8)).withFps(2.0);
    }

    static String standInCaption(String prompt) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(prompt.getBytes(StandardCharsets.UTF_8));
        return "caption-" + HexFormat.of().formatHex(digest).substring(0, 8);
    }

    @Test
    void sixteenThreadsSubmittingSingleRequestsShareTheRunningBatchAndEachGetsItsOwnCaption() throws Exception {
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m/stream"))) {
            int threads = 16;
            int each = 20;
            AtomicInteger misrouted = new AtomicInteger();
            AtomicInteger ok = new AtomicInteger();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> callers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Thread caller = new Thread(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < each; i++) {
                            String prompt = "caller " + thread + " window " + i;
                            String caption = engine.submit(request(prompt), SAMPLING).get(30, TimeUnit.SECONDS).text();
                            if (caption.equals(standInCaption(prompt))) {
                                ok.incrementAndGet();
                            } else {
                                misrouted.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        misrouted.incrementAndGet();
                    }
                });
                caller.start();
                callers.add(caller);
            }
            go.countDown();
            for (Thread caller : callers) {
                caller.join(60_000);
            }
            assertEquals(0, misrouted.get());
            assertEquals(threads * each, ok.get());
            StreamStats stats = engine.streamStats();
            assertEquals(threads * each, stats.finished());
            assertEquals(0, stats.held());
            assertTrue(stats.meanBatchSize() > 4, "mean running batch " + stats.meanBatchSize());
        }
    }

    @Test
    void generateAfterTheFirstSubmitGoesThroughTheStreamWithTheSameCaptions() throws Exception {
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m/both"))) {
            List<EngineRequest> batch = List.of(request("a"), request("b"), request("c"));
            List<String> before = engine.generate(batch, SAMPLING);
            assertEquals(standInCaption("x"), engine.submit(request("x"), SAMPLING).get(10, TimeUnit.SECONDS).text());
            assertEquals(before, engine.generate(batch, SAMPLING));
        }
    }

    @Test
    void eachFutureCompletesWithVllmsFactsTypedAcrossTheBoundary() throws Exception {
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m/facts"))) {
            // the stand-in counts one prompt token per prompt character, and with ignore_eos stops at max_tokens
            Generation cut = engine.submit(request("abcd"), SAMPLING.withIgnoreEos(true)).get(10, TimeUnit.SECONDS);
            Generation stopped = engine.submit(request("abcd"), SAMPLING).get(10, TimeUnit.SECONDS);
            assertEquals(List.of("length", SAMPLING.maxTokens(), true), List.of(cut.finishReason(), cut.outputTokens(),
                    cut.truncatedAt(SAMPLING.maxTokens())));
            assertEquals(List.of("stop", 1, false), List.of(stopped.finishReason(), stopped.outputTokens(),
                    stopped.truncatedAt(SAMPLING.maxTokens())));
            assertTrue(cut.promptTokens() > 0 && cut.promptTokens().equals(stopped.promptTokens()), cut.toString());
            EngineTimings t = cut.timings();
            assertTrue(t.queuedSeconds() >= 0 && t.firstTokenSeconds() > 0 && t.totalSeconds() >= t.firstTokenSeconds(),
                    t.toString());
        }
    }

    @Test
    void aRefusedRequestFailsAloneAndTheOthersFinish() throws Exception {
        try (JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m/bad"))) {
            CompletableFuture<Generation> good = engine.submit(request("good"), SAMPLING);
            CompletableFuture<Generation> bad = engine.submit(request("please FAIL"), SAMPLING);
            CompletableFuture<Generation> after = engine.submit(request("after"), SAMPLING);
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> bad.get(10, TimeUnit.SECONDS));
            assertInstanceOf(EngineException.class, e.getCause());
            assertTrue(e.getCause().getMessage().contains("please FAIL"), e.getCause().getMessage());
            assertEquals(standInCaption("good"), good.get(10, TimeUnit.SECONDS).text());
            assertEquals(standInCaption("after"), after.get(10, TimeUnit.SECONDS).text());
            assertFalse(engine.isDead());
        }
    }

    @Test
    void closingTheEngineFailsEveryFutureInFlightAndEndsThePoller() throws Exception {
        List<CompletableFuture<Generation>> futures = new ArrayList<>();
        JepLlmEngine engine = JepLlmEngine.start(runtime, StandInEngineContractIT.StandInEngine.args("/m/closing"));
        for (int i = 0; i < 50; i++) {
            futures.add(engine.submit(request("in flight " + i), new SamplingParams(0.1, 0.001, 1.05, 64, List.of(),
                    7)));
        }
        engine.close();
        for (CompletableFuture<Generation> f : futures) {
            assertTrue(f.isDone(), "every future is answered by close");
        }
        assertTrue(futures.stream().anyMatch(CompletableFuture::isCompletedExceptionally), "some were aborted");
        Thread.sleep(100);
        assertFalse(Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.getName().startsWith("qwenvl-stream-poller-") && t.isAlive()), "poller ended");
        assertEquals(0L, new EngineBridge(runtime).stats(0L).held());
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> engine.submit(request("late"), SAMPLING).get(1, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().contains("closed"), e.getCause().getMessage());
    }
}
