package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineDiedException;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream's restart policy over {@link FakeStreamEngines} (no Python): an engine that dies
 * mid-stream is restarted and every request it held is submitted again, once; a request in flight
 * at two deaths fails with {@code EngineDiedException}; frames stay open until their request ends.
 */
class StreamEngineRestartTest {
    private final AtomicLong nextHandle = new AtomicLong(1);
    private final AtomicInteger open = new AtomicInteger();

    /** Every source is a 100-frame, 30 fps video: one window each, handles 1, 2, ... in input order. */
    private final VideoDecoder decoder = new VideoDecoder() {
        @Override
        public VideoInfo probe(VideoSource source) {
            return new VideoInfo(100, 30.0, 64, 48, 0);
        }

        @Override
        public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean modelPreprocesses) {
            try {
                Thread.sleep(10); // decoding takes time: an engine death is noticed before the last video is prepared
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            List<VideoPayload> payloads = new ArrayList<>();
            windows.forEach(w -> payloads.add(new OpaqueVideo(nextHandle.getAndIncrement())));
            open.incrementAndGet();
            return new PreparedVideo(source, windows, payloads, java.util.Collections.nCopies(windows.size(), null),
                    java.util.Collections.nCopies(windows.size(), 0), open::decrementAndGet, 1000);
        }
    };

    @TempDir
    Path dir;

    private List<VideoSource> videos(int n) {
        List<VideoSource> sources = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sources.add(new VideoSource.VideoFile(Files.write(dir.resolve("v" + i + ".mp4"), new byte[0])));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sources;
    }

    private static QwenVL model(FakeStreamEngines engines) {
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen").captionBatchSize(2)
                .build(), engines);
        model.setup();
        return model;
    }

    @Test
    void anEngineThatDiesMidStreamIsRestartedAndEveryRequestItHeldIsCaptionedOnce() {
        FakeStreamEngines engines = new FakeStreamEngines(1000).killAtSubmit(5); // four in flight, the fifth kills
        try (QwenVL model = model(engines)) {
            List<VideoCaptions> results = new VideoCaptioner(model, decoder, CaptionSettings.defaults())
                    .caption(videos(8));
            results.forEach(r -> assertTrue(r.succeeded(), r.source() + ": " + r.error()));
            for (long id = 1; id <= 8; id++) {
                assertEquals(1, engines.answered(id), "window " + id + " captioned exactly once");
                assertEquals("cap-" + id, results.get((int) id - 1).captions().get(0).caption());
                assertTrue(engines.submitted(id) <= 2, "submitted at most twice: " + engines.submitted(id));
            }
            for (long id = 1; id <= 5; id++) {
                assertEquals(2, engines.submitted(id), "held at the death, so submitted again: window " + id);
            }
            assertEquals(2, engines.starts(), "one restart");
            assertEquals(0, open.get(), "every video's frames were released");
        }
    }

    @Test
    void anEngineWhoseRequestsFailBeforeItReportsItsDeathIsStillRestartedAndNothingIsLost() {
        // the real engine's stream fails its requests first and records the death after them: a restart
        // that asked the model at once found the engine "alive", submitted again to the dead engine and
        // lost every window as ENGINE_DIED (SparkRestartStandInIT, 1 run in 4)
        FakeStreamEngines engines = new FakeStreamEngines(1000).killAtSubmit(5).recordDeathLate(300);
        try (QwenVL model = model(engines)) {
            List<VideoCaptions> results = new VideoCaptioner(model, decoder, CaptionSettings.defaults())
                    .caption(videos(8));
            results.forEach(r -> assertTrue(r.succeeded(), r.source() + ": " + r.error()));
            for (long id = 1; id <= 8; id++) {
                assertEquals(1, engines.answered(id), "window " + id + " captioned exactly once");
            }
            assertEquals(2, engines.starts(), "one restart");
            assertEquals(2, model.engineStarts());
            assertEquals(0, open.get(), "every video's frames were released");
        }
    }

    @Test
    void aRequestInFlightAtTwoDeathsFailsWithEngineDiedAndTheNextVideoGetsTheNextRestart() {
        // one video at a time (a 1-byte frame budget); window 1 kills every engine it reaches
        FakeStreamEngines engines = new FakeStreamEngines(20).poison(id -> id == 1);
        try (QwenVL model = model(engines)) {
            List<VideoCaptions> results = new VideoCaptioner(model, decoder, CaptionSettings.defaults())
                    .caption(videos(3), new StreamSettings(1, 2), CaptionProgress.NONE);
            EngineDiedException died = assertInstanceOf(EngineDiedException.class, results.get(0).error());
            assertEquals("SIGKILL", died.signal().orElseThrow());
            assertEquals(2, engines.submitted(1), "the poison is submitted again once, never a third time");
            assertEquals(0, engines.answered(1));
            for (int v = 1; v < 3; v++) {
                assertTrue(results.get(v).succeeded(), v + ": " + results.get(v).error());
                assertEquals(1, engines.answered(v + 1), "window " + (v + 1) + " captioned exactly once");
            }
            assertEquals(3, engines.starts(), "the first engine, the poison's restart, and the next video's");
            assertEquals(0, open.get(), "every video's frames were released");
        }
    }

    @Test
    void withVideosInFlightTogetherNoWindowIsSubmittedMoreThanTwiceAndEachIsCaptionedOnceOrLost() {
        FakeStreamEngines engines = new FakeStreamEngines(100).poison(id -> id == 3);
        try (QwenVL model = model(engines)) {
            List<VideoCaptions> results = new VideoCaptioner(model, decoder, CaptionSettings.defaults())
                    .caption(videos(6), StreamSettings.builder().engineRestarts(2).build(), CaptionProgress.NONE);
            assertInstanceOf(EngineDiedException.class, results.get(2).error());
            assertEquals(2, engines.submitted(3), "the poison is submitted again once, never a third time");
            for (int v = 0; v < 6; v++) {
                long id = v + 1;
                assertTrue(engines.submitted(id) <= 2, "window " + id + " submitted " + engines.submitted(id) + " times");
                if (results.get(v).succeeded()) {
                    assertEquals(1, engines.answered(id), "window " + id + " captioned exactly once");
                } else {
                    assertInstanceOf(EngineDiedException.class, results.get(v).error());
                    assertEquals(2, engines.submitted(id), "lost only when in flight at two deaths: window " + id);
                }
            }
            assertTrue(engines.starts() <= 3, "at most the two restarts allowed: " + engines.starts());
            assertEquals(0, open.get(), "every video's frames were released");
        }
    }

    @Test
    void withNoRestartAllowedTheWindowsHeldAreLostAndNoFurtherVideoStarts() {
        FakeStreamEngines engines = new FakeStreamEngines(1000).killAtSubmit(3);
        try (QwenVL model = model(engines)) {
            List<VideoCaptions> streamed = new ArrayList<>();
            List<VideoSource> sources = videos(40);
            List<VideoSource> notStarted = new VideoCaptioner(model, decoder, CaptionSettings.defaults()).stream(sources,
                    StreamSettings.builder().engineRestarts(0).build(), CaptionProgress.NONE, streamed::add);
            assertEquals(1, engines.starts(), "never restarted");
            List<VideoCaptions> lost = streamed.stream().filter(r -> r.error() instanceof EngineDiedException).toList();
            assertTrue(lost.size() >= 3, "the three windows held at the death are lost: " + lost.size());
            assertTrue(!notStarted.isEmpty(), "no further video is started once the engine is gone");
            assertEquals(sources.size(), streamed.size() + notStarted.size(), "every source reported or returned");
            for (long id = 1; id <= 3; id++) {
                assertEquals(1, engines.submitted(id), "not submitted again");
            }
        }
    }

    @Test
    void afterADeathWithNoRestartLeftTheCollectedResultNamesTheVideosNeverStarted() {
        FakeStreamEngines engines = new FakeStreamEngines(1000).killAtSubmit(2);
        try (QwenVL model = model(engines)) {
            List<VideoSource> sources = videos(40);
            List<VideoCaptions> results = new VideoCaptioner(model, decoder, CaptionSettings.defaults())
                    .caption(sources, StreamSettings.builder().engineRestarts(0).build(), CaptionProgress.NONE);
            assertEquals(sources.size(), results.size(), "one result per source");
            VideoCaptions last = results.get(results.size() - 1);
            EngineDiedException e = assertInstanceOf(EngineDiedException.class, last.error());
            assertTrue(e.getMessage().contains("was not started"), e.getMessage());
        }
    }
}
