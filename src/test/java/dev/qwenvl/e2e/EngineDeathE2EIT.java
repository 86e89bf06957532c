package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.chaos.Processes;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.jep.OrphanGuard;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chaos tier on the real vLLM: the engine-core process is killed with {@code kill -9} (as an
 * OOM killer or a GPU fault would) while a generate runs. One engine start.
 */
class EngineDeathE2EIT {
    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();

    private static EngineRequest request(int seed) {
        int t = 4, h = 56, w = 56;
        ByteBuffer data = ByteBuffer.allocateDirect(t * h * w * 3);
        for (int i = 0; i < data.capacity(); i++) {
            data.put(i, (byte) ((i * 31 + seed) & 0xff));
        }
        return new EngineRequest("<|im_start|>user\n<|vision_start|><|video_pad|><|vision_end|>Describe " + seed
                + ".<|im_end|>\n<|im_start|>assistant\n",
                new VideoPayload.Frames(data, new int[] {t, h, w, 3}, VideoPayload.DType.UINT8)).withFps(2.0);
    }

    @Test
    void aKilledEngineCoreEndsTheCallInFlightWithinThirtySecondsAndCloseLeavesNoProcess() throws Exception {
        QwenVL model = new QwenVL(E2ETier.config().modelDoesPreprocess(true).maxOutputTokens(2048).build(),
                JepLlmEngine.factory(PYTHON.get()));
        model.setup();
        List<ProcessHandle> cores = Processes.engineCores(ProcessHandle.current());
        assertEquals(1, cores.size(), "one engine core: " + cores);
        List<EngineRequest> batch = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            batch.add(request(i));
        }
        CompletableFuture<List<String>> call = CompletableFuture.supplyAsync(() -> model.generate(batch, false, 4));
        Thread.sleep(3000); // well into a batch of 4 x 2048 tokens
        assertFalse(call.isDone(), "the generate is still running when the core is killed");
        Processes.kill9(cores.get(0).pid());
        long killed = System.nanoTime();

        ExecutionException failed = assertThrows(ExecutionException.class, () -> call.get(30, TimeUnit.SECONDS));
        double seconds = (System.nanoTime() - killed) / 1e9;
        assertTrue(failed.getCause() instanceof EngineDiedException, String.valueOf(failed.getCause()));
        EngineDiedException died = (EngineDiedException) failed.getCause();
        assertTrue(seconds < 30, "the call ended " + seconds + " s after the kill");
        assertEquals("SIGKILL", died.signal().orElse(null), died.getMessage());
        assertEquals(cores.get(0).pid(), died.pid());
        assertTrue(died.getMessage().contains("EngineCore (pid " + cores.get(0).pid() + ") was killed by signal 9"),
                died.getMessage());

        long t0 = System.nanoTime();
        assertThrows(EngineDiedException.class, () -> model.generate(List.of(request(9)), false, 1));
        assertTrue((System.nanoTime() - t0) / 1e9 < 1, "a later call fails at once");

        long t1 = System.nanoTime();
        model.close();
        assertTrue((System.nanoTime() - t1) / 1e9 < 30, "close() returns");
        assertTrue(Processes.within(5, () -> Processes.spawnedChildren().stream().noneMatch(Processes::alive)),
                "no engine process after close");
        assertTrue(Processes.within(5, () -> Processes.withEnvironment(OrphanGuard.ENV + "=" + OrphanGuard.token()).stream()
                        .allMatch(pid -> Processes.commandLine(pid).contains("resource_tracker"))),
                "no process of this JVM's Python is left after close but the interpreter's resource tracker");
    }
}
