package dev.qwenvl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.caption.CaptionSettings;
import dev.qwenvl.caption.FakeStreamEngines;
import dev.qwenvl.caption.VideoCaptioner;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Spark partition captioned through the one stream, with a stand-in engine (no Spark, no Python). */
class PartitionCaptioningTest {

    /** Every video: 100 frames at 30 fps, one window; handles 1, 2, ... in the order videos are prepared. */
    static VideoDecoder oneWindowDecoder() {
        AtomicLong handles = new AtomicLong(1);
        return new VideoDecoder() {
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
    }

    @Test
    void aPartitionStreamsThroughTheEngineWithMoreRequestsInFlightThanOneBatch(@TempDir Path dir) throws Exception {
        FakeStreamEngines engines = new FakeStreamEngines(300);
        QwenVlConfig modelConfig = QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen")
                .captionBatchSize(2).build();
        QwenVL model = new QwenVL(modelConfig, engines);
        model.setup();
        VideoCaptioner captioner = new VideoCaptioner(model, oneWindowDecoder(), CaptionSettings.defaults());
        ExecutorCaptioner executor = new ExecutorCaptioner() {
            @Override
            public List<VideoCaptions> caption(List<VideoSource> sources) {
                return captioner.caption(sources);
            }

            @Override
            public void close() {
                model.close();
            }
        };
        List<Row> input = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            input.add(RowFactory.create(Files.write(dir.resolve("v" + i + ".mp4"), new byte[] {(byte) i}).toString()));
        }
        input.add(3, RowFactory.create((Object) null));
        SparkCaptionConfig config = SparkCaptionConfig.of(modelConfig, CaptionSettings.defaults());
        PartitionCaptioning partition = new PartitionCaptioning(config, new VideoFetcher(Map.of()),
                (c, accelerator) -> ExecutorCaptioners.unshared(executor));
        List<Row> rows = new ArrayList<>();
        for (Iterator<Row> it = partition.call(input.iterator()); it.hasNext(); ) {
            rows.add(it.next());
        }
        executor.close();
        assertEquals(9, rows.size(), "one row per window, and the empty row's error row");
        assertTrue(engines.maxInFlight() > modelConfig.captionBatchSize(),
                "the engine held " + engines.maxInFlight() + " requests at once, more than one batch of 2");
        assertEquals(8, engines.answeredAll().size());
        int caption = CaptionRows.SCHEMA.fieldIndex("caption");
        int video = CaptionRows.SCHEMA.fieldIndex("video");
        assertEquals(dir.resolve("v0.mp4").toString(), rows.get(0).getString(video), "rows follow the input order");
        assertEquals("cap-1", rows.get(0).getString(caption));
        assertNull(rows.get(3).getString(caption), "the empty row becomes an error row in its place");
        assertEquals("cap-8", rows.get(8).getString(caption));
    }
}
