package dev.qwenvl.chaos;

import dev.qwenvl.engine.Generation;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.Devices;
import dev.qwenvl.engine.EngineArgs;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.EnginePool;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.model.QwenVlSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An engine pool of two stand-in engines in one embedded interpreter, each with a real engine-core
 * process (the stand-in's process mode): each core is spawned seeing only its own device
 * ({@code CUDA_VISIBLE_DEVICES} in its environment) while the interpreter's own environment is
 * left as it was; killing one core mid-run loses nothing (every request answered once, with the
 * caption a one-engine run gives) and the dead member is started again; while it restarts (a
 * start made to take 10 s) the other member answers everything, so a member's start does not hold
 * the interpreter thread.
 */
@ExtendWith(SharedMemoryLeftCheck.class) // no shared memory outlives the runs (issue 25)
class EnginePoolStandInIT {

    private static EngineRequest request(int i) {
        ByteBuffer frames = ByteBuffer.allocateDirect(2 * 28 * 28 * 3);
        return new EngineRequest("window " + i, new VideoPayload.Frames(frames, new int[] {2, 28, 28, 3},
                VideoPayload.DType.UINT8)).withFps(2.0);
    }

    private static List<String> captionAll(LlmEngine engine, SamplingParams sampling, int n) throws Exception {
        List<CompletableFuture<Generation>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            futures.add(engine.submit(request(i), sampling));
        }
        List<String> out = new ArrayList<>();
        for (CompletableFuture<Generation> f : futures) {
            out.add(f.get(60, TimeUnit.SECONDS).text());
        }
        return out;
    }

    @Test
    void eachCoreSeesItsOwnDeviceAndAKilledCoreLosesNoRequest() throws Exception {
        QwenVlConfig config = QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(8).build();
        EngineArgs args = QwenVlSettings.engineArgs(config);
        SamplingParams sampling = QwenVlSettings.samplingParams(config);
        try (PythonRuntime runtime = PythonRuntime.start(TestPython.config()
                .environment("QWENVL_STANDIN_ENGINE_PROCESS", "1").environment("QWENVL_STANDIN_CORE_DELAY_S", "0.02")
                .environment("QWENVL_STANDIN_TOKENS", "25").build())) {
            List<String> single;
            try (LlmEngine one = JepLlmEngine.factory(runtime).start(args)) {
                single = captionAll(one, sampling, 4);
            }
            try (EnginePool pool = EnginePool.start(JepLlmEngine.factory(runtime), args, Devices.parse("0,1"),
                    EnginePool.Options.DEFAULTS)) {
                List<Long> cores = Processes.spawnedChildren().stream().map(ProcessHandle::pid).toList();
                assertEquals(2, cores.size(), "one engine core per member: " + cores);
                List<Long> onZero = Processes.withEnvironment("CUDA_VISIBLE_DEVICES=0").stream()
                        .filter(cores::contains).toList();
                List<Long> onOne = Processes.withEnvironment("CUDA_VISIBLE_DEVICES=1").stream()
                        .filter(cores::contains).toList();
                assertEquals(1, onZero.size(), "the core of device 0: " + onZero);
                assertEquals(1, onOne.size(), "the core of device 1: " + onOne);
                assertNull(runtime.call("os", "getenv", "CUDA_VISIBLE_DEVICES"),
                        "the interpreter's own environment is restored after each engine start");

                int n = 48;
                List<CompletableFuture<Generation>> futures = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    futures.add(pool.submit(request(i), sampling));
                }
                Thread.sleep(200); // every request in flight: 25 steps of 20 ms each
                runtime.call("vllm", "set_start_delay", 10.0); // the dead member's restart takes 10 s
                ProcessHandle.of(onZero.get(0)).orElseThrow().destroyForcibly();
                long killed = System.nanoTime();
                List<String> captions = new ArrayList<>();
                for (CompletableFuture<Generation> f : futures) {
                    captions.add(f.get(60, TimeUnit.SECONDS).text());
                }
                double answered = (System.nanoTime() - killed) / 1e9;
                assertEquals(EnginePool.MemberState.RESTARTING, pool.members().get(0).state(),
                        "every request was answered by the other engine while the dead one restarts (" + answered
                                + " s after the kill): a member's start does not hold the interpreter");
                assertTrue(answered < 10, "answered " + answered + " s after the kill, before the restart ended");
                assertEquals(single, captions.subList(0, 4), "the same captions as one engine gives");
                assertEquals(n, captions.stream().distinct().count(), "one caption per request");
                assertTrue(captions.stream().allMatch(c -> c.startsWith("caption-")), captions.toString());

                // The dead member is reported and started again (once); the pool then answers on both.
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                List<EnginePool.Member> members = List.of();
                while (System.nanoTime() < end) {
                    members = pool.members();
                    if (members.get(0).restarts() == 1 && members.get(0).state() == EnginePool.MemberState.LIVE) {
                        break;
                    }
                    Thread.sleep(50);
                }
                assertEquals(1, members.get(0).deaths(), members.toString());
                assertEquals(1, members.get(0).restarts(), members.toString());
                assertTrue(members.get(0).lastDeath().contains("SIGKILL") || members.get(0).lastDeath().contains("signal 9"),
                        members.get(0).lastDeath());
                assertEquals(0, members.get(1).deaths());
                assertTrue(pool.resubmitted() > 0, "engine 0 had requests in flight");
                assertEquals(single, captionAll(pool, sampling, 4));
                assertEquals(1, Processes.withEnvironment("CUDA_VISIBLE_DEVICES=0").stream()
                        .filter(p -> Processes.spawnedChildren().stream().anyMatch(c -> c.pid() == p)).count(),
                        "the restarted core is pinned to device 0 again");
            }
            assertTrue(Processes.within(10, () -> Processes.spawnedChildren().isEmpty()),
                    "no engine core is left after close: " + Processes.spawnedChildren());
        }
    }
}
