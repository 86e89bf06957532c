package dev.qwenvl.model;

import dev.qwenvl.engine.Generation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class QwenVLConcurrencyTest {

    /** A thread-safe fake engine answering from each request's own video id, yielding between calls. */
    private static final class EchoEngine implements LlmEngine {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public java.util.concurrent.CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
            calls.incrementAndGet();
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> Generation.ofText(Requests.answer(List.of(request), "Refine: ").get(0)),
                    java.util.concurrent.CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS));
        }

        @Override
        public void close() {}
    }

    @Test
    void concurrentCallersEachGetTheirOwnCaptionsInOrder() throws Exception {
        EchoEngine engine = new EchoEngine();
        QwenVlConfig config = QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen")
                .captionBatchSize(3).stage2PromptText("Refine: ").build();
        int threads = 8;
        int perThread = 25;
        try (QwenVL model = new QwenVL(config, (EngineArgs args) -> engine)) {
            model.setup();
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                long first = t * 1000L;
                boolean stage2 = t % 2 == 0;
                results.add(pool.submit(() -> {
                    start.await();
                    return model.generate(Requests.requests(first, perThread), stage2, 3);
                }));
            }
            start.countDown();
            for (int t = 0; t < threads; t++) {
                String prefix = t % 2 == 0 ? "refined-" : "draft-";
                List<String> expected = LongStream.range(t * 1000L, t * 1000L + perThread)
                        .mapToObj(id -> prefix + id).collect(Collectors.toList());
                assertEquals(expected, results.get(t).get(30, TimeUnit.SECONDS), "caller " + t);
            }
            pool.shutdown();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        // one submit per input and stage: stage-2 callers submit every input twice
        assertEquals(4 * 25 + 4 * 50, engine.calls.get());
    }
}
