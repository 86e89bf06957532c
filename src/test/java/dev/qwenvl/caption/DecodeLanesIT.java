package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.jep.JepLlmEngine;
import dev.qwenvl.jep.JepVideoDecoder;
import dev.qwenvl.jep.PythonFramesReader;
import dev.qwenvl.jep.StandInVllmTest;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.DecodeLane;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decode lanes on the real path: PyAV in the embedded Python (probe and prepare on lane threads,
 * polled from Java), the stand-in vllm's engine loop. One lane and three give the same frames
 * (bytes compared), the same captions, and the engine receives the same requests in the same
 * order; the frame budget bounds the frames Python holds; nothing is left running.
 */
class DecodeLanesIT extends StandInVllmTest {

    private static Path writeVideo(Path dir, String name, int frames, int width, int height) {
        Object path = runtime.callWithKeywords("videos", "write_video", List.of(dir.resolve(name).toString()),
                Map.of("ext", name.substring(name.lastIndexOf('.') + 1), "frames", frames, "fps", 30, "width", width,
                        "height", height, "noise", true));
        return Path.of((String) path);
    }

    private static QwenVL model() {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/models")).modelVariant("qwen").build(),
                JepLlmEngine.factory(runtime));
        model.setup();
        return model;
    }

    /** The real decoder, reading every prepared window's frames back to hash them (name#window -> sha256 and shape). */
    private static final class HashingDecoder implements VideoDecoder {
        final JepVideoDecoder real = new JepVideoDecoder(runtime);
        final PythonFramesReader reader = new PythonFramesReader(runtime);
        final Map<String, String> frames = new ConcurrentHashMap<>();

        @Override
        public VideoInfo probe(VideoSource source) {
            return real.probe(source);
        }

        @Override
        public long frameBytes(VideoInfo info, List<VideoWindow> windows, String family, boolean preprocesses) {
            return real.frameBytes(info, windows, family, preprocesses);
        }

        @Override
        public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean preprocesses) {
            return prepare(source, windows, family, preprocesses, DecodeLane.DEFAULT);
        }

        @Override
        public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean preprocesses,
                                     DecodeLane lane) {
            PreparedVideo video = real.prepare(source, windows, family, preprocesses, lane);
            for (int w = 0; w < windows.size(); w++) {
                VideoPayload.Frames f = reader.apply(video.payloads().get(w));
                frames.put(source.displayName() + "#" + w, sha256(f.data()) + " " + java.util.Arrays.toString(f.shape()));
            }
            return video;
        }
    }

    private static String sha256(ByteBuffer data) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(data.duplicate());
            return HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> captions(List<VideoCaptions> results) {
        List<String> out = new ArrayList<>();
        for (VideoCaptions r : results) {
            out.add(r.source().displayName() + (r.error() == null ? "" : " failed: " + r.error().getMessage()));
            r.captions().forEach(c -> out.add("  #" + c.window().windowIndex() + " " + c.caption()));
        }
        return out;
    }

    /** One run: captions, frame hashes, and what the engine received, in order. */
    private record Run(List<String> captions, Map<String, String> frames, List<?> engineSaw) {}

    private static Run run(List<VideoSource> sources, int lanes, CaptionSettings settings) {
        runtime.call("vllm", "reset");
        HashingDecoder decoder = new HashingDecoder();
        List<VideoCaptions> results;
        try (QwenVL model = model()) {
            results = new VideoCaptioner(model, decoder, settings).caption(sources,
                    StreamSettings.builder().decodeThreads(lanes).build(), CaptionProgress.NONE);
        }
        List<Object> saw = new ArrayList<>();
        for (Object added : (List<?>) recorded().get("added")) {
            Map<?, ?> a = (Map<?, ?>) added;
            saw.add(List.of(a.get("prompt"), a.get("input")));
        }
        assertInstanceOf(VideoInputException.class, results.get(2).error(), "the bad file fails alone");
        return new Run(captions(results), new TreeMap<>(decoder.frames), saw);
    }

    private static List<String> sorted(List<?> requests) {
        return requests.stream().map(String::valueOf).sorted().toList();
    }

    @Test
    void oneLaneAndThreeGiveTheSameFramesCaptionsAndRequestsInTheSameOrder(@TempDir Path dir) throws Exception {
        List<VideoSource> sources = new ArrayList<>();
        sources.add(new VideoSource.VideoFile(writeVideo(dir, "a.mp4", 600, 160, 90)));
        sources.add(new VideoSource.VideoFile(writeVideo(dir, "b.mkv", 300, 96, 64)));
        sources.add(new VideoSource.VideoFile(Files.writeString(dir.resolve("bad.mp4"), "not a video")));
        sources.add(new VideoSource.VideoBytes(Files.readAllBytes(writeVideo(dir, "c.mp4", 400, 128, 72)), "c in memory"));
        sources.add(new VideoSource.VideoFile(writeVideo(dir, "d.webm", 120, 64, 48)));
        byte[] raw = new byte[60 * 48 * 64 * 3];
        new java.util.Random(7).nextBytes(raw);
        sources.add(new VideoSource.JavaFrames(ByteBuffer.allocateDirect(raw.length).put(raw).flip(),
                new int[] {60, 48, 64, 3}, 30.0, "java frames"));
        sources.add(new VideoSource.VideoFile(writeVideo(dir, "e.mp4", 450, 160, 90)));

        for (CaptionSettings settings : List.of(CaptionSettings.defaults(), CaptionSettings.defaults().withStage2(true))) {
            Run one = run(sources, 1, settings);
            Run three = run(sources, 3, settings);
            assertEquals(one.captions(), three.captions());
            assertEquals(9, one.frames().size(), "every window's frames were hashed: " + one.frames().keySet());
            assertEquals(one.frames(), three.frames(), "the same frames, byte for byte");
            if (!settings.stage2()) {
                assertEquals(one.engineSaw(), three.engineSaw(), "the engine received the same requests in the same order");
            } else { // a stage-2 request enters when its first caption arrives: engine timing, not lanes, orders them
                assertEquals(sorted(one.engineSaw()), sorted(three.engineSaw()), "the engine received the same requests");
            }
        }
        Map<?, ?> busy = (Map<?, ?>) runtime.call("qwenvl_bridge.inputs", "lanes_busy");
        assertEquals(0L, busy.get("pending"), "every lane was collected");
        assertEquals(List.of(), busy.get("threads"), "no lane thread is left");
        assertEquals(0, new JepVideoDecoder(runtime).held(), "prepared frames are released");
    }

    @Test
    void theFrameBudgetBoundsWhatPythonHoldsWithThreeLanes(@TempDir Path dir) throws Exception {
        List<VideoSource> sources = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            sources.add(new VideoSource.VideoFile(writeVideo(dir, "v" + i + ".mp4", 600, 160, 90)));
        }
        JepVideoDecoder decoder = new JepVideoDecoder(runtime);
        VideoInfo info = decoder.probe(sources.get(0));
        List<VideoWindow> windows = dev.qwenvl.video.Windowing.plan(600, 30.0, CaptionSettings.defaults().windowing());
        long videoBytes = decoder.frameBytes(info, windows, "qwen2.5", false);
        long budget = 2 * videoBytes; // two videos' frames at once, with three lanes
        AtomicLong peak = new AtomicLong();
        AtomicBoolean running = new AtomicBoolean(true);
        Thread sampler = new Thread(() -> {
            while (running.get()) {
                long held = ((Number) runtime.call("qwenvl_bridge.inputs", "held_bytes")).longValue();
                peak.accumulateAndGet(held, Math::max);
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "held-bytes-sampler");
        runtime.call("vllm", "reset");
        List<VideoCaptions> results;
        try (QwenVL model = model()) {
            sampler.start();
            results = new VideoCaptioner(model, decoder, CaptionSettings.defaults()).caption(sources,
                    StreamSettings.builder().decodeThreads(3).framesInFlightBytes(budget).build(), CaptionProgress.NONE);
        } finally {
            running.set(false);
            sampler.join(10_000);
        }
        results.forEach(r -> assertTrue(r.succeeded(), String.valueOf(r.error())));
        assertTrue(peak.get() > 0, "the sampler saw frames held");
        assertTrue(peak.get() <= budget, "Python held " + peak.get() + " bytes of frames at once; budget " + budget);
        assertEquals(0, decoder.held());
    }
}
