package dev.qwenvl.chaos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.StreamSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.TestPython;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library's restart across real process deaths, no CLI involved: the stand-in vllm in its
 * process mode (every engine step round-trips through a spawned {@code EngineCore}), videos decoded
 * by PyAV and streamed with the default frame budget, the core killed with {@code kill -9} while
 * the engine holds several windows. The stream restarts the engine and the windows it held are
 * captioned again, each once; a window in flight at a second death fails with ENGINE_DIED. The
 * three killed cores' shared memory is gone after the class (the orphan guard sweeps it).
 */
@ExtendWith(SharedMemoryLeftCheck.class) // no shared memory outlives the runs (issue 25)
class StreamRestartStandInIT {
    private static PythonRuntime runtime;

    @TempDir
    static Path dir;
    private static List<VideoSource> sources;

    @BeforeAll
    static void start() {
        runtime = PythonRuntime.start(TestPython.config().addPath(TestPython.pythonTests())
                .environment("QWENVL_STANDIN_ENGINE_PROCESS", "1").environment("QWENVL_STANDIN_CORE_DELAY_S", "0.05")
                .environment("QWENVL_STANDIN_TOKENS", "40").build());
        sources = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Object path = runtime.callWithKeywords("videos", "write_video", List.of(dir.resolve("v" + i + ".mp4").toString()),
                    Map.of("ext", "mp4", "frames", 300, "fps", 30, "width", 64, "height", 48));
            sources.add(new VideoSource.VideoFile(Path.of((String) path)));
        }
    }

    @AfterAll
    static void stop() {
        if (runtime != null) {
            runtime.close();
        }
    }

    private static QwenVL model() {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(2).build(), JepLlmEngine.factory(runtime));
        model.setup();
        return model;
    }

    /** Waits until the engine holds at least {@code requests} and a core other than {@code not} runs; returns that core. */
    private static ProcessHandle awaitBusyCore(QwenVL model, int requests, long not) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> cores = Processes.engineCores(ProcessHandle.current()).stream().filter(p -> p.pid() != not).toList();
            if (cores.size() == 1 && model.streamStats().held() >= requests) {
                return cores.get(0);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("the engine never held " + requests + " requests (holds " + model.streamStats().held() + ")");
    }

    @Test
    void theWindowsInFlightAtAKillAreCaptionedAgainOnceEachAndASecondDeathOfTheSameWindowIsEngineDied() throws Exception {
        try (QwenVL model = model()) {
            VideoCaptioner captioner = new VideoCaptioner(model, new JepVideoDecoder(runtime), CaptionSettings.defaults());

            // one kill, the default policy (one restart): nothing is lost
            CompletableFuture<List<VideoCaptions>> run = CompletableFuture.supplyAsync(() -> captioner.caption(sources));
            ProcessHandle first = awaitBusyCore(model, 4, -1);
            Processes.kill9(first.pid());
            List<VideoCaptions> results = run.get(120, TimeUnit.SECONDS);
            assertEquals(sources.size(), results.size());
            for (VideoCaptions r : results) {
                assertTrue(r.succeeded(), r.source().displayName() + ": " + r.error());
                assertEquals(1, r.captions().size(), "each window captioned exactly once: " + r);
                assertTrue(r.captions().get(0).caption().startsWith("caption-"), r.captions().get(0).caption());
            }
            List<ProcessHandle> cores = Processes.engineCores(ProcessHandle.current());
            assertEquals(1, cores.size(), "one restarted core runs: " + cores);
            assertTrue(cores.get(0).pid() != first.pid());

            // two kills in one stream with two restarts allowed: the windows in flight at both are lost
            ProcessHandle current = cores.get(0);
            CompletableFuture<List<VideoCaptions>> twice = CompletableFuture.supplyAsync(() -> captioner.caption(sources,
                    StreamSettings.builder().engineRestarts(2).build(), CaptionProgress.NONE));
            awaitBusyCore(model, 4, -1);
            Processes.kill9(current.pid());
            ProcessHandle restarted = awaitBusyCore(model, 1, current.pid());
            Processes.kill9(restarted.pid());
            List<VideoCaptions> second = twice.get(120, TimeUnit.SECONDS);
            int lost = 0;
            for (VideoCaptions r : second) {
                if (r.succeeded()) {
                    assertEquals(1, r.captions().size(), "captioned exactly once: " + r);
                } else {
                    EngineDiedException died = assertInstanceOf(EngineDiedException.class, r.error(), r.toString());
                    assertEquals("SIGKILL", died.signal().orElse(""), died.getMessage());
                    assertTrue(r.captions().isEmpty());
                    lost++;
                }
            }
            assertTrue(lost >= 1, "a window in flight at both deaths is recorded as ENGINE_DIED");
            assertFalse(second.stream().anyMatch(r -> r.captions().size() > 1), "nothing captioned twice");
        }
    }
}
