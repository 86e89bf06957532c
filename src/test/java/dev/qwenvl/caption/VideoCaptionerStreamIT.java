package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.StandInVllmTest;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link VideoCaptioner#stream} through PyAV decoding and the stand-in vllm's engine loop. */
class VideoCaptionerStreamIT extends StandInVllmTest {

    private static Path writeVideo(Path dir, String name, int frames) {
        Object path = runtime.callWithKeywords("videos", "write_video", List.of(dir.resolve(name).toString()),
                Map.of("ext", "mp4", "frames", frames, "fps", 30, "width", 64, "height", 48));
        return Path.of((String) path);
    }

    private static QwenVL model() {
        return model(QwenVL.DEFAULT_BATCH_SIZE);
    }

    private static QwenVL model(int captionBatchSize) {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(captionBatchSize).build(), JepLlmEngine.factory(runtime));
        model.setup();
        return model;
    }

    private static List<String> texts(List<VideoCaptions> results) {
        List<String> out = new ArrayList<>();
        results.forEach(r -> r.captions().forEach(c -> out.add(r.source().displayName() + "#"
                + c.window().windowIndex() + "=" + c.caption() + "@" + c.stage())));
        return out;
    }

    @Test
    void collectedCaptionsEqualStreamedCaptionsWithStageTwoAndABadVideoFailsAlone(@TempDir Path dir) throws Exception {
        List<VideoSource> sources = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            sources.add(new VideoSource.VideoFile(writeVideo(dir, "v" + i + ".mp4", i % 2 == 0 ? 300 : 400)));
        }
        sources.add(2, new VideoSource.VideoFile(Files.writeString(dir.resolve("bad.mp4"), "not a video")));
        CaptionSettings settings = CaptionSettings.defaults().withStage2(true);
        List<VideoCaptions> chunked;
        try (QwenVL model = model(2)) {
            chunked = new VideoCaptioner(model, new JepVideoDecoder(runtime), settings).caption(sources);
        }
        runtime.call("vllm", "reset"); // count the stream's requests alone below
        List<VideoCaptions> streamed = new ArrayList<>();
        AtomicLong windowsDone = new AtomicLong();
        List<VideoSource> notStarted;
        try (QwenVL model = model(2)) {
            // a budget below one video's frames: videos then go one at a time, and all still finish
            notStarted = new VideoCaptioner(model, new JepVideoDecoder(runtime), settings).stream(sources,
                    new StreamSettings(1), new CaptionProgress() {
                        @Override
                        public void windowsDone(int windows) {
                            windowsDone.addAndGet(windows);
                        }
                    }, streamed::add);
        }
        assertEquals(List.of(), notStarted);
        assertEquals(sources.size(), streamed.size(), "every video reported once");
        streamed.sort(Comparator.comparingInt(r -> sources.indexOf(r.source())));
        assertEquals(texts(chunked), texts(streamed));
        assertInstanceOf(VideoInputException.class, streamed.get(2).error());
        assertEquals(7, windowsDone.get(), "three videos of one window, two of two");
        assertEquals(0, new JepVideoDecoder(runtime).held(), "prepared frames are released");
        List<?> added = (List<?>) recorded().get("added");
        assertEquals(14, added.size(), "7 windows, each stage 1 then stage 2, through the engine loop");
    }

    @Test
    void aWindowTheEngineRefusesFailsItsVideoAloneAndTheOthersAreCaptioned(@TempDir Path dir) throws Exception {
        List<VideoSource> sources = List.of(new VideoSource.VideoFile(writeVideo(dir, "a.mp4", 300)),
                new VideoSource.VideoFile(writeVideo(dir, "b.mp4", 300)));
        List<VideoCaptions> streamed = new ArrayList<>();
        try (QwenVL model = model()) {
            CaptionSettings failing = CaptionSettings.defaults().withPromptText("please FAIL");
            new VideoCaptioner(model, new JepVideoDecoder(runtime), failing).stream(sources, CaptionProgress.NONE,
                    streamed::add);
            assertEquals(2, streamed.size());
            streamed.forEach(r -> assertTrue(r.error() != null && r.error().getMessage().contains("told to fail"),
                    String.valueOf(r.error())));
            List<VideoCaptions> good = new ArrayList<>();
            new VideoCaptioner(model, new JepVideoDecoder(runtime), CaptionSettings.defaults()).stream(sources,
                    CaptionProgress.NONE, good::add);
            assertEquals(2, good.size());
            good.forEach(r -> assertTrue(r.succeeded(), String.valueOf(r.error())));
        }
    }
}
