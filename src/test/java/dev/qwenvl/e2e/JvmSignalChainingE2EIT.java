package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.chaos.Processes;
import dev.qwenvl.engine.Devices;
import dev.qwenvl.engine.EnginePool;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.model.QwenVlSettings;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * vLLM loads {@code libtvm_ffi.so}, whose load-time constructor installs its own SIGSEGV handler
 * over the JVM's. HotSpot raises SIGSEGV on purpose (implicit null checks in JIT-compiled code,
 * among others), so unless the library puts the JVM's handler back the JVM dies on the next
 * NullPointerException thrown from compiled code ("!!!!!!! Segfault encountered !!!!!!!", exit
 * 139: it killed the Spark test once). This test runs in failsafe's default execution, without
 * libjsig: a 2-engine pool on the real vLLM captions videos, then a loop throws NullPointerExceptions
 * from C2-compiled code; again after one engine's core is killed and the pool has restarted it.
 * Three engine starts in one JVM, eager mode, the tiny model.
 */
class JvmSignalChainingE2EIT {
    private static final Logger LOG = LoggerFactory.getLogger(JvmSignalChainingE2EIT.class);
    private static final String SIGNALS = "qwenvl_bridge.signals";
    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();

    @TempDir
    static Path dir;

    private static int hash(Object o) {
        return o.hashCode();
    }

    /** NullPointerExceptions thrown by C2-compiled code, which checks null by trapping SIGSEGV. */
    private static void nullPointerLoop() {
        long thrown = 0;
        for (int i = 0; i < 20_000_000; i++) {
            try {
                hash((i & 1023) == 0 ? null : "x");
            } catch (NullPointerException e) {
                thrown++;
            }
        }
        assertEquals(20_000_000 / 1024 + 1, thrown);
    }

    private static void assertJvmOwnsSigsegv(PythonRuntime runtime, String when) {
        @SuppressWarnings("unchecked")
        Map<String, List<Object>> now = (Map<String, List<Object>>) runtime.call(SIGNALS, "dispositions");
        for (String signal : List.of("SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGUSR2", "SIGQUIT", "SIGINT", "SIGTERM", "SIGHUP")) {
            assertTrue(String.valueOf(now.get(signal).get(2)).contains("libjvm.so"), when + ": " + signal + " " + now.get(signal));
        }
    }

    private static List<VideoSource> videos(PythonRuntime runtime) {
        List<VideoSource> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Object path = runtime.callWithKeywords("videos", "write_video", List.of(dir.resolve("v" + i + ".mp4").toString()),
                    Map.of("ext", "mp4", "frames", 45, "fps", 30, "width", 64, "height", 48, "noise", true));
            out.add(new VideoSource.VideoFile(Path.of((String) path)));
        }
        return out;
    }

    private static void caption(VideoCaptioner captioner, List<VideoSource> sources) {
        List<VideoCaptions> done = Collections.synchronizedList(new ArrayList<>());
        assertEquals(List.of(), captioner.stream(sources, CaptionProgress.NONE, done::add));
        assertEquals(sources.size(), done.size(), "one result per video");
        done.forEach(r -> assertTrue(r.succeeded(), r.source().displayName() + ": " + r.error()));
    }

    @Test
    void compiledCodeStillThrowsNullPointerExceptionsAfterAPoolCaptionsAndAfterAnEngineRestart() throws Exception {
        PythonRuntime runtime = PYTHON.get();
        assertTrue(System.getenv().getOrDefault("LD_PRELOAD", "").isEmpty(), "runs without libjsig");
        List<VideoSource> sources = videos(runtime);
        QwenVlConfig config = E2ETier.config().build();

        EnginePool pool = EnginePool.start(JepLlmEngine.factory(runtime), QwenVlSettings.engineArgs(config),
                Devices.parse("cpu,cpu"), new EnginePool.Options(1, 1)); // spread: both engines generate
        try (QwenVL model = new QwenVL(config, args -> pool)) {
            model.setup();
            VideoCaptioner captioner = new VideoCaptioner(model, new JepVideoDecoder(runtime), CaptionSettings.defaults());
            caption(captioner, sources);
            @SuppressWarnings("unchecked")
            List<List<String>> restored = (List<List<String>>) runtime.call(SIGNALS, "restored");
            assertTrue(restored.stream().anyMatch(r -> r.get(1).equals("SIGSEGV") && r.get(2).contains("tvm_ffi")),
                    "the library put back the JVM's SIGSEGV handler that libtvm_ffi.so took: " + restored);
            assertJvmOwnsSigsegv(runtime, "after two engines started and captioned");
            nullPointerLoop();

            List<ProcessHandle> cores = Processes.engineCores(ProcessHandle.current());
            assertEquals(2, cores.size(), "one engine core per engine: " + cores);
            Processes.kill9(cores.get(0).pid());
            caption(captioner, sources); // the other member answers; the dead one restarts meanwhile
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (!pool.members().stream().allMatch(m -> m.state() == EnginePool.MemberState.LIVE)
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(pool.members().stream().anyMatch(m -> m.restarts() == 1)
                    && pool.members().stream().allMatch(m -> m.state() == EnginePool.MemberState.LIVE), pool.members().toString());
            caption(captioner, sources);
            assertJvmOwnsSigsegv(runtime, "after an engine restart");
            nullPointerLoop();
            LOG.info("JvmSignalChainingE2EIT: handlers put back: {}", runtime.call(SIGNALS, "restored"));
        }
        assertTrue(Processes.within(10, () -> Processes.engineCores(ProcessHandle.current()).isEmpty()),
                "no engine core after close");
    }
}
