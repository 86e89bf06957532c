package dev.qwenvl.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The request stream across a real process death: the stand-in vllm in its process mode (every
 * engine step round-trips through a spawned {@code EngineCore}), killed with {@code kill -9}
 * while 64 requests are pending. Every future fails with {@link EngineDiedException} within the
 * engine watch's bounds; later submits fail at once; setup() starts a new engine that streams.
 */
@ExtendWith(SharedMemoryLeftCheck.class) // no shared memory outlives the runs (issue 25)
class StreamEngineDeathStandInIT {

    private static EngineRequest request(String text) {
        ByteBuffer frames = ByteBuffer.allocateDirect(2 * 28 * 28 * 3);
        return new EngineRequest(text, new VideoPayload.Frames(frames, new int[] {2, 28, 28, 3},
                VideoPayload.DType.UINT8)).withFps(2.0);
    }

    @Test
    void everyPendingFutureFailsWithEngineDiedWhenTheCoreIsKilled() throws Exception {
        try (PythonRuntime runtime = PythonRuntime.start(TestPython.config().environment("QWENVL_STANDIN_ENGINE_PROCESS", "1")
                .environment("QWENVL_STANDIN_CORE_DELAY_S", "0.05").environment("QWENVL_STANDIN_TOKENS", "50").build());
             QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen").captionBatchSize(8).build(),
                     JepLlmEngine.factory(runtime))) {
            model.setup();
            List<CompletableFuture<String>> futures = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                futures.add(model.submit(request("window " + i), false));
            }
            Thread.sleep(300);
            List<ProcessHandle> cores = Processes.spawnedChildren();
            assertFalse(cores.isEmpty(), "the stand-in's engine core runs");
            cores.forEach(ProcessHandle::destroyForcibly);
            long t0 = System.nanoTime();
            for (CompletableFuture<String> f : futures) {
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                        () -> f.get(30, TimeUnit.SECONDS));
                EngineDiedException died = assertInstanceOf(EngineDiedException.class, e.getCause());
                assertEquals("SIGKILL", died.signal().orElse(""), died.getMessage());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 10, "all futures failed within " + seconds + " s");
            ExecutionException later = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> model.submit(request("after"), false).get(5, TimeUnit.SECONDS));
            assertInstanceOf(EngineDiedException.class, later.getCause());
            model.setup(); // a new engine, streaming again
            assertTrue(model.submit(request("again"), false).get(30, TimeUnit.SECONDS).startsWith("caption-"));
        }
    }
}
