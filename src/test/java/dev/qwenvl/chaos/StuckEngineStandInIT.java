package dev.qwenvl.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Java-side backstop: an engine whose death the Python watch cannot report to the engine loop
 * (the stand-in hides its output queue, as a watch starved of the GIL would leave it: the loop
 * thread waits forever) still ends the waiting request, after the grace period (2 s here), with
 * the death's cause (the watch's account: pid and signal); the interpreter thread never waited
 * on the engine (requests run on the engine loop's own Python thread), so the runtime still
 * answers; close() returns. Its own JVM (failsafe forks per class).
 */
@ExtendWith(SharedMemoryLeftCheck.class) // no shared memory outlives the runs (issue 25)
class StuckEngineStandInIT {

    @Test
    void aCallStuckOnADeadEngineIsGivenUpAfterTheGraceAndCloseStillReturns() throws Exception {
        System.setProperty("qwenvl.python.deathGraceSeconds", "2");
        PythonRuntime runtime = PythonRuntime.start(TestPython.config().environment("QWENVL_STANDIN_ENGINE_PROCESS", "1")
                .environment("QWENVL_STANDIN_HIDE_QUEUE", "1").environment("QWENVL_STANDIN_CORE_DELAY_S", "1").build());
        JepLlmEngine engine = JepLlmEngine.start(runtime, new EngineArgs("/models/stuck", Map.of("video", 1), null, 4096,
                0.5, Map.of(), 0, 4096, Map.of()));
        EngineRequest request = new EngineRequest("<|im_start|>user\nDescribe.<|im_end|>",
                new VideoPayload.Frames(ByteBuffer.allocateDirect(2 * 28 * 28 * 3), new int[] {2, 28, 28, 3},
                        VideoPayload.DType.UINT8));
        long pid = Processes.spawnedChildren().get(0).pid();
        started(new Thread(() -> {
            try {
                Thread.sleep(300);
                Processes.kill9(pid);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        long t0 = System.nanoTime();
        EngineDiedException e = assertThrows(EngineDiedException.class,
                () -> engine.generate(List.of(request), new SamplingParams(0.1, 0.001, 1.05, 4, List.of(), null)));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertTrue(seconds < 10, "given up after the 2 s grace: " + seconds);
        assertTrue(e.getMessage().contains("EngineCore (pid " + pid + ")"), e.getMessage());
        assertEquals("SIGKILL", e.signal().orElse(null), e.getMessage());
        assertEquals(ProcessHandle.current().pid(), ((Number) runtime.call("os", "getpid")).longValue(),
                "the interpreter thread is free: no call waits on the dead engine");
        long t1 = System.nanoTime();
        engine.close();
        runtime.close();
        assertTrue((System.nanoTime() - t1) / 1e9 < 10, "close returns");
    }

    private static Thread started(Thread t) {
        t.start();
        return t;
    }
}
