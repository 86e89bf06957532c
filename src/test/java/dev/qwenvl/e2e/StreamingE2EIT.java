package dev.qwenvl.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionProgress;
import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.VideoCaptioner;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.engine.StreamStats;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.jep.PythonRuntime;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming path on the real vLLM (CPU build, tiny random Qwen2.5-VL, fixed seed): the same
 * windows captioned chunked (LLM.generate per chunk) and then streamed through the engine loop
 * (LLMEngine add_request/step) give identical captions. The engine is the one this JVM's e2e
 * classes share for the default settings ({@link E2ESharedRuntime}); its stream counts are read as
 * differences.
 */
class StreamingE2EIT {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingE2EIT.class);
    @RegisterExtension
    static final E2ESharedRuntime PYTHON = new E2ESharedRuntime();

    @TempDir
    static Path dir;

    private static VideoSource video(PythonRuntime runtime, String name, int frames) {
        Object path = runtime.callWithKeywords("videos", "write_video", List.of(dir.resolve(name).toString()),
                Map.of("ext", "mp4", "frames", frames, "fps", 30, "width", 96, "height", 64, "noise", true));
        return new VideoSource.VideoFile(Path.of((String) path));
    }

    private static List<String> texts(List<VideoCaptions> results) {
        List<String> out = new ArrayList<>();
        for (VideoCaptions r : results) {
            assertTrue(r.succeeded(), r.source().displayName() + ": " + r.error());
            r.captions().forEach(c -> out.add(r.source().displayName() + "#" + c.window().windowIndex() + "@"
                    + c.stage() + "=" + c.caption()));
        }
        return out;
    }

    @Test
    void streamedCaptionsEqualChunkedCaptionsWithAFixedSeedIncludingStageTwo() {
        PythonRuntime runtime = PYTHON.get();
        List<VideoSource> sources = List.of(video(runtime, "a.mp4", 300), video(runtime, "b.mp4", 400),
                video(runtime, "c.mp4", 60));
        CaptionSettings settings = CaptionSettings.defaults().withStage2(true);
        try (QwenVL model = new QwenVL(E2ETier.config().captionBatchSize(2).build(), PYTHON.engines())) {
            model.setup();
            VideoCaptioner captioner = new VideoCaptioner(model, new JepVideoDecoder(runtime), settings);
            List<String> chunked = texts(captioner.caption(sources));
            long finishedBefore = model.streamStats().finished(); // caption() ran on the same stream
            List<VideoCaptions> streamed = new ArrayList<>();
            List<VideoSource> notStarted = captioner.stream(sources, CaptionProgress.NONE, streamed::add);
            assertEquals(List.of(), notStarted);
            streamed.sort(Comparator.comparingInt(r -> sources.indexOf(r.source())));
            assertEquals(chunked, texts(streamed));
            StreamStats stats = model.streamStats();
            assertEquals(8, stats.finished() - finishedBefore, "4 windows, stage 1 and stage 2 each");
            assertEquals(0, stats.held());
            LOG.info("streamed == chunked: {}; mean running batch {}", chunked, stats.meanBatchSize());
        }
    }
}
