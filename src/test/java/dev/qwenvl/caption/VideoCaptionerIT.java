package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.jep.StandInVllmTest;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole videos through PyAV decoding, windowing, preprocessing and the stand-in vllm. */
class VideoCaptionerIT extends StandInVllmTest {
    private static JepVideoDecoder decoder() {
        return new JepVideoDecoder(runtime);
    }

    private static Path writeVideo(Path dir, String name, String ext, int frames, int fps) {
        Object path = runtime.callWithKeywords("videos", "write_video", List.of(dir.resolve(name).toString()),
                Map.of("ext", ext, "frames", frames, "fps", fps, "width", 64, "height", 48));
        return Path.of((String) path);
    }

    private static QwenVL model(boolean modelDoesPreprocess) {
        return model(modelDoesPreprocess, QwenVL.DEFAULT_BATCH_SIZE);
    }

    private static QwenVL model(boolean modelDoesPreprocess, int captionBatchSize) {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen")
                .captionBatchSize(captionBatchSize).modelDoesPreprocess(modelDoesPreprocess).build(),
                JepLlmEngine.factory(runtime));
        model.setup();
        return model;
    }

    @Test
    void aBatchOfFiveFilesWithTwoCorruptGivesThreeCaptionedVideosAndTwoTypedErrors(@TempDir Path dir) throws Exception {
        Path good1 = writeVideo(dir, "a.mp4", "mp4", 300, 30);   // one window
        Path good2 = writeVideo(dir, "b.mkv", "mkv", 400, 30);   // two windows: 0-255, 256-399
        Path good3 = writeVideo(dir, "c.webm", "webm", 40, 10);  // one window
        Path truncated = dir.resolve("d.mp4");
        byte[] whole = Files.readAllBytes(writeVideo(dir, "d-src.mp4", "mp4", 120, 30));
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        Path notVideo = Files.writeString(dir.resolve("e.mp4"), "this is not a video");

        List<VideoSource> sources = List.of(new VideoSource.VideoFile(good1), new VideoSource.VideoFile(truncated),
                new VideoSource.VideoFile(good2), new VideoSource.VideoFile(notVideo), new VideoSource.VideoFile(good3));
        List<VideoCaptions> results;
        try (QwenVL model = model(false, 2)) {
            results = new VideoCaptioner(model, decoder(), CaptionSettings.defaults()).caption(sources);
        }
        assertEquals(5, results.size());
        assertTrue(results.get(0).succeeded());
        assertEquals(1, results.get(0).captions().size());
        assertEquals(299, results.get(0).captions().get(0).window().lastFrame());
        assertTrue(results.get(2).succeeded());
        assertEquals(List.of(0, 256), results.get(2).captions().stream().map(c -> c.window().firstFrame()).toList());
        assertEquals(List.of(255, 399), results.get(2).captions().stream().map(c -> c.window().lastFrame()).toList());
        assertTrue(results.get(4).succeeded());
        for (int bad : new int[] {1, 3}) {
            VideoInputException e = assertInstanceOf(VideoInputException.class, results.get(bad).error());
            assertEquals(sources.get(bad).displayName(), e.source());
            assertTrue(results.get(bad).captions().isEmpty());
        }
        assertEquals(VideoInputException.Reason.NOT_A_VIDEO, ((VideoInputException) results.get(3).error()).reason());
        results.get(0).captions().forEach(c -> assertTrue(c.caption().startsWith("caption-"), c.caption()));
        assertEquals(0, decoder().held(), "prepared frames are released");

        List<Map<String, Object>> inputs = streamedInputs();
        assertEquals(4, inputs.size(), "four windows reached the engine");
        for (Map<String, Object> in : inputs) {
            Map<?, ?> video = (Map<?, ?>) in.get("video");
            assertEquals("uint8", video.get("dtype"), "our pipeline resizes by default; vLLM normalises");
            List<?> shape = (List<?>) video.get("shape");
            assertEquals(0L, ((Number) shape.get(1)).longValue() % 28);
            assertEquals(0L, ((Number) shape.get(2)).longValue() % 28);
            assertEquals(java.util.Set.of("fps"), ((Map<?, ?>) in.get("mm_processor_kwargs")).keySet(),
                    "resized frames need no pixel bounds");
        }
        // 300 frames at 30 fps: 10 s sampled at 2 fps -> 20 frames, fps 2.0
        Map<?, ?> first = (Map<?, ?>) inputs.get(0).get("video");
        assertEquals(20L, ((Number) ((List<?>) first.get("shape")).get(0)).longValue());
        assertEquals(2.0, ((Number) ((Map<?, ?>) inputs.get(0).get("mm_processor_kwargs")).get("fps")).doubleValue(), 1e-9);
    }

    @Test
    void whenTheModelPreprocessesFramesGoAsUint8AtTheSourceSize(@TempDir Path dir) {
        Path video = writeVideo(dir, "a.mp4", "mp4", 60, 30);
        try (QwenVL model = model(true)) {
            List<VideoCaptions> results = new VideoCaptioner(model, decoder(), CaptionSettings.defaults())
                    .caption(List.of(new VideoSource.VideoFile(video)));
            assertTrue(results.get(0).succeeded(), String.valueOf(results.get(0).error()));
        }
        Map<?, ?> v = (Map<?, ?>) streamedInputs().get(0).get("video");
        assertEquals("uint8", v.get("dtype"));
        assertEquals(List.of(4L, 48L, 64L, 3L), v.get("shape"));
        // the model's processor sizes them with the family's bounds for a window of 4 frames
        Map<?, ?> kwargs = (Map<?, ?>) streamedInputs().get(0).get("mm_processor_kwargs");
        assertEquals(128L * 28 * 28, ((Number) kwargs.get("min_pixels")).longValue());
        assertEquals(768.0 * 28 * 28, ((Number) kwargs.get("max_pixels")).doubleValue(), 1e-6);
    }

    @Test
    void javaFramesAndInMemoryBytesAreCaptionedLikeFiles(@TempDir Path dir) throws Exception {
        int t = 64, h = 56, w = 84;
        ByteBuffer frames = ByteBuffer.allocateDirect(t * h * w * 3);
        for (int i = 0; i < frames.capacity(); i++) {
            frames.put(i, (byte) (i % 251));
        }
        byte[] mp4 = Files.readAllBytes(writeVideo(dir, "m.mp4", "mp4", 90, 30));
        List<VideoSource> sources = List.of(new VideoSource.JavaFrames(frames, new int[] {t, h, w, 3}, 8.0, "clip-7"),
                new VideoSource.VideoBytes(mp4, "s3://bucket/m.mp4"));
        List<VideoCaptions> results;
        try (QwenVL model = model(false)) {
            results = new VideoCaptioner(model, decoder(), CaptionSettings.defaults()).caption(sources);
        }
        results.forEach(r -> assertTrue(r.succeeded(), String.valueOf(r.error())));
        assertEquals("clip-7", results.get(0).captions().get(0).video());
        assertEquals(63, results.get(0).captions().get(0).window().lastFrame());
        assertEquals(8.0, results.get(0).captions().get(0).window().endSeconds(), 1e-9);
        assertEquals("s3://bucket/m.mp4", results.get(1).captions().get(0).video());
        assertEquals(0, decoder().held());
        // 64 frames at 8 fps: 8 s -> 16 sampled frames
        Map<?, ?> v = (Map<?, ?>) streamedInputs().get(0).get("video");
        assertEquals(16L, ((Number) ((List<?>) v.get("shape")).get(0)).longValue());
        assertFalse(results.get(0).captions().get(0).caption().isEmpty());
    }

    /** Every input the engine's request stream was given, in order (captioning streams). */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> streamedInputs() {
        return ((List<Map<String, Object>>) recorded().get("added")).stream()
                .map(a -> (Map<String, Object>) a.get("input")).toList();
    }
}
