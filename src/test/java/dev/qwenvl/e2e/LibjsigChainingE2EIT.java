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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the JDK's {@code libjsig.so} preloaded (an option, never a requirement: failsafe's
 * signal-chaining execution), other libraries' handlers are chained behind the JVM's, so the
 * library detects libjsig and records and restores nothing; a 2-engine pool (two engine starts in
 * one JVM, the case that once failed under libjsig) starts, captions and closes, and the JVM
 * survives NullPointerExceptions in compiled code after vLLM's {@code libtvm_ffi.so} loaded.
 * (Under libjsig, {@code sigaction} answers with the handler a library asked for, not the one in
 * place, so the dispositions are not read back here.)
 */
class LibjsigChainingE2EIT {
    private static final String SIGNALS = "qwenvl_bridge.signals";
    @RegisterExtension
    static final E2ERuntime PYTHON = new E2ERuntime();

    @TempDir
    static Path dir;

    private static int hash(Object o) {
        return o.hashCode();
    }

    @Test
    void withLibjsigNothingIsRestoredAndAPoolOfTwoEnginesStartsCaptionsAndSurvivesNullPointerExceptions() throws Exception {
        E2ETier.assumeLibjsig();
        PythonRuntime runtime = PYTHON.get();
        assertEquals(Boolean.TRUE, runtime.call(SIGNALS, "libjsig_preloaded"));
        assertEquals(Boolean.FALSE, runtime.call(SIGNALS, "recorded"));

        List<VideoSource> sources = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Object path = runtime.callWithKeywords("videos", "write_video", List.of(dir.resolve("v" + i + ".mp4").toString()),
                    Map.of("ext", "mp4", "frames", 45, "fps", 30, "width", 64, "height", 48, "noise", true));
            sources.add(new VideoSource.VideoFile(Path.of((String) path)));
        }
        QwenVlConfig config = E2ETier.config().build();
        EnginePool pool = EnginePool.start(JepLlmEngine.factory(runtime), QwenVlSettings.engineArgs(config),
                Devices.parse("cpu,cpu"), new EnginePool.Options(0, 1)); // spread: both engines generate
        try (QwenVL model = new QwenVL(config, args -> pool)) {
            model.setup();
            List<VideoCaptions> done = Collections.synchronizedList(new ArrayList<>());
            VideoCaptioner captioner = new VideoCaptioner(model, new JepVideoDecoder(runtime), CaptionSettings.defaults());
            assertEquals(List.of(), captioner.stream(sources, CaptionProgress.NONE, done::add));
            assertEquals(4, done.size());
            done.forEach(r -> assertTrue(r.succeeded(), r.source().displayName() + ": " + r.error()));
            assertTrue(pool.members().stream().allMatch(m -> m.answered() > 0), "both engines worked: " + pool.members());
            assertEquals(List.of(), runtime.call(SIGNALS, "restored"), "nothing restored under libjsig");
            long thrown = 0;
            for (int i = 0; i < 20_000_000; i++) {
                try {
                    hash((i & 1023) == 0 ? null : "x"); // hot enough for C2, which checks null by trapping SIGSEGV
                } catch (NullPointerException e) {
                    thrown++;
                }
            }
            assertEquals(20_000_000 / 1024 + 1, thrown);
        }
        assertTrue(Processes.within(10, () -> Processes.engineCores(ProcessHandle.current()).isEmpty()),
                "no engine core after close");
    }
}
