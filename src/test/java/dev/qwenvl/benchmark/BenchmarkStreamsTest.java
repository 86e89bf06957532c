package dev.qwenvl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.FakeStreamEngines;
import dev.qwenvl.caption.VideoCaptions;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark measures the path users caption with: the stream, not batches of captionBatchSize. */
class BenchmarkStreamsTest {

    @Test
    void theMeasuredPassKeepsMoreRequestsInTheEngineThanOneBatch(@TempDir Path dir) throws Exception {
        AtomicLong handles = new AtomicLong(1);
        VideoDecoder decoder = new VideoDecoder() {
            @Override
            public VideoInfo probe(VideoSource source) {
                return new VideoInfo(100, 30.0, 64, 48, 0);
            }

            @Override
            public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean preprocess) {
                List<VideoPayload> payloads = new ArrayList<>();
                windows.forEach(w -> payloads.add(new OpaqueVideo(handles.getAndIncrement())));
                return new PreparedVideo(source, windows, payloads, () -> { });
            }
        };
        List<VideoSource> clips = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clips.add(new VideoSource.VideoFile(Files.write(dir.resolve("clip" + i + ".mp4"), new byte[0])));
        }
        FakeStreamEngines engines = new FakeStreamEngines(300);
        try (QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen")
                .captionBatchSize(2).build(), engines)) {
            model.setup();
            List<VideoCaptions> captions = MachineBenchmark.captionPass(model, decoder, clips);
            assertEquals(8, captions.size());
            captions.forEach(c -> assertTrue(c.succeeded(), String.valueOf(c.error())));
        }
        assertTrue(engines.maxInFlight() > 2, "the engine held " + engines.maxInFlight()
                + " requests at once, more than one batch of 2");
    }
}
