package dev.qwenvl.caption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineException;
import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.Generation;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.OpaqueVideo;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.model.QwenVL;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.DecodeCancelledException;
import dev.qwenvl.video.DecodeLane;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoInputException;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream's decode lanes ({@link StreamSettings#decodeThreads()}) with a decoder that takes
 * its time (no Python): the engine sees what one lane gives it, in the same order; the frame
 * budget holds while several videos decode; a failing decode fails its video only; a stop while
 * lanes decode returns at once and leaves no thread.
 */
class DecodeLanesTest {
    /** Each video has 600 frames at 30 fps (64x48): two windows. */
    private static final int FRAMES = 600;
    /** The bytes of one video's sampled frames (uint8 RGB, 64x48), as the default {@link VideoDecoder#frameBytes} counts them. */
    private static final long VIDEO_BYTES = sampledFrames() * 64L * 48 * 3;

    @TempDir
    Path dir;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "test-engine-timer");
        t.setDaemon(true);
        return t;
    });
    private final List<Long> submitted = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger decoding = new AtomicInteger();
    private final AtomicInteger maxDecoding = new AtomicInteger();
    private final AtomicLong heldBytes = new AtomicLong();
    private final AtomicLong maxHeldBytes = new AtomicLong();
    private final AtomicInteger cancelled = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private volatile long answerMillis = 5;

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    /** An engine that answers "cap-<id>" after {@link #answerMillis}, recording the order of submits. */
    private QwenVL model() {
        LlmEngine engine = new LlmEngine() {
            @Override
            public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
                long id = ((OpaqueVideo) request.video()).id();
                submitted.add(id);
                CompletableFuture<Generation> f = new CompletableFuture<>();
                timer.schedule(() -> f.complete(Generation.ofText("cap-" + id)), answerMillis, TimeUnit.MILLISECONDS);
                return f;
            }

            @Override
            public void close() {
            }
        };
        QwenVL model = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen").build(),
                args -> engine);
        model.setup();
        return model;
    }

    /**
     * Decodes "v<index>-<millis>[-bad|-bug].mp4" in {@code millis} (cancellable every 5 ms); window
     * ids are index * 100 + window; counts the bytes of frames from the start of a decode to the
     * release of the video (what the budget must bound).
     */
    private final VideoDecoder decoder = new VideoDecoder() {
        @Override
        public VideoInfo probe(VideoSource source) {
            return new VideoInfo(FRAMES, 30.0, 64, 48, 0);
        }

        @Override
        public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean preprocesses) {
            return prepare(source, windows, family, preprocesses, DecodeLane.DEFAULT);
        }

        @Override
        public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean preprocesses,
                                     DecodeLane lane) {
            String[] name = ((VideoSource.VideoFile) source).path().getFileName().toString().replace(".mp4", "").split("-");
            int index = Integer.parseInt(name[0].substring(1));
            long bytes = windows.stream().mapToLong(w -> w.sampledFrameIndices().size() * 64L * 48 * 3).sum();
            maxHeldBytes.accumulateAndGet(heldBytes.addAndGet(bytes), Math::max);
            maxDecoding.accumulateAndGet(decoding.incrementAndGet(), Math::max);
            boolean kept = false;
            try {
                long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Long.parseLong(name[1]));
                while (System.nanoTime() < end) {
                    if (lane.cancelled().getAsBoolean()) {
                        cancelled.incrementAndGet();
                        throw new DecodeCancelledException(source.displayName());
                    }
                    Thread.sleep(5);
                }
                if (name.length > 2 && name[2].equals("bad")) {
                    throw new VideoInputException(source.displayName(), VideoInputException.Reason.CORRUPT_STREAM, "broken");
                }
                if (name.length > 2 && name[2].equals("bug")) {
                    throw new IllegalStateException("a bug in the decoder");
                }
                List<VideoPayload> payloads = new ArrayList<>();
                for (int w = 0; w < windows.size(); w++) {
                    payloads.add(new OpaqueVideo(index * 100L + w));
                }
                open.incrementAndGet();
                kept = true;
                return new PreparedVideo(source, windows, payloads, Collections.nCopies(windows.size(), null),
                        Collections.nCopies(windows.size(), 100), () -> {
                            open.decrementAndGet();
                            heldBytes.addAndGet(-bytes);
                        }, bytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DecodeCancelledException(source.displayName());
            } finally {
                decoding.decrementAndGet();
                if (!kept) {
                    heldBytes.addAndGet(-bytes);
                }
            }
        }
    };

    private static long sampledFrames() {
        return dev.qwenvl.video.Windowing.plan(FRAMES, 30.0, CaptionSettings.defaults().windowing()).stream()
                .mapToLong(w -> w.sampledFrameIndices().size()).sum();
    }

    private List<VideoSource> videos(String... names) throws Exception {
        List<VideoSource> out = new ArrayList<>();
        for (String n : names) {
            out.add(new VideoSource.VideoFile(Files.write(dir.resolve(n + ".mp4"), new byte[] {1})));
        }
        return out;
    }

    private static StreamSettings lanes(int k, long budget) {
        return StreamSettings.builder().decodeThreads(k).framesInFlightBytes(budget).build();
    }

    private List<String> captions(List<VideoCaptions> results) {
        List<String> out = new ArrayList<>();
        for (VideoCaptions r : results) {
            out.add(r.source().displayName() + ":" + (r.error() == null ? "" : r.error().getClass().getSimpleName()));
            r.captions().forEach(c -> out.add(c.window().windowIndex() + "=" + c.caption()));
        }
        return out;
    }

    @Test
    void lanesDecodeAtOnceAndTheEngineGetsWhatOneLaneGivesIt() throws Exception {
        List<VideoSource> sources = videos("v0-300", "v1-20", "v2-200", "v3-20", "v4-120", "v5-20");
        QwenVL model = model();
        VideoCaptioner captioner = new VideoCaptioner(model, decoder, CaptionSettings.defaults());

        List<VideoCaptions> one = captioner.caption(sources, lanes(1, 1L << 30), CaptionProgress.NONE);
        List<Long> oneOrder = new ArrayList<>(submitted);
        assertEquals(1, maxDecoding.get());
        submitted.clear();
        maxDecoding.set(0);
        List<VideoCaptions> three = captioner.caption(sources, lanes(3, 1L << 30), CaptionProgress.NONE);

        assertEquals(3, maxDecoding.get(), "three lanes decode three videos at once");
        assertEquals(List.of(0L, 1L, 100L, 101L, 200L, 201L, 300L, 301L, 400L, 401L, 500L, 501L), oneOrder);
        assertEquals(oneOrder, submitted, "the engine sees the windows in input order, as with one lane");
        assertEquals(captions(one), captions(three));
        assertEquals(0, open.get(), "every prepared video was released");
    }

    @Test
    void theFrameBudgetHoldsWhileLanesDecode() throws Exception {
        answerMillis = 150; // the engine is the slow part: lanes would run ahead without the budget
        List<VideoSource> sources = videos("v0-30", "v1-30", "v2-30", "v3-30", "v4-30", "v5-30", "v6-30", "v7-30");
        long budget = 2 * VIDEO_BYTES; // two videos' frames
        VideoCaptioner captioner = new VideoCaptioner(model(), decoder, CaptionSettings.defaults());

        List<VideoCaptions> results = captioner.caption(sources, lanes(4, budget), CaptionProgress.NONE);

        results.forEach(r -> assertNull(r.error(), r.source().displayName()));
        assertEquals(16, results.stream().mapToInt(r -> r.captions().size()).sum());
        assertTrue(maxHeldBytes.get() <= budget, "frames held at once, decodes in progress included: "
                + maxHeldBytes.get() + " bytes, budget " + budget);
        assertEquals(2 * VIDEO_BYTES, maxHeldBytes.get(), "the budget is used, not just respected");
        assertEquals(0, heldBytes.get());
    }

    @Test
    void aFailingDecodeFailsItsVideoOnlyWithItsError() throws Exception {
        List<VideoSource> sources = videos("v0-50", "v1-20-bad", "v2-80", "v3-10-bug", "v4-20");
        VideoCaptioner captioner = new VideoCaptioner(model(), decoder, CaptionSettings.defaults());

        List<VideoCaptions> results = captioner.caption(sources, lanes(2, 1L << 30), CaptionProgress.NONE);

        VideoInputException bad = assertInstanceOf(VideoInputException.class, results.get(1).error());
        assertEquals(VideoInputException.Reason.CORRUPT_STREAM, bad.reason());
        EngineException bug = assertInstanceOf(EngineException.class, results.get(3).error());
        assertTrue(bug.getMessage().contains("a bug in the decoder"), bug.getMessage());
        for (int i : new int[] {0, 2, 4}) {
            assertNull(results.get(i).error());
            assertEquals(List.of("cap-" + i * 100, "cap-" + (i * 100 + 1)),
                    results.get(i).captions().stream().map(WindowCaption::caption).toList());
        }
        assertEquals(0, open.get());
        assertEquals(0, heldBytes.get());
    }

    @Test
    void aStopWhileLanesDecodeReturnsAtOnceAndLeavesNoThread() throws Exception {
        List<VideoSource> sources = videos("v0-20", "v1-20000", "v2-20000", "v3-20000", "v4-20000", "v5-20");
        VideoCaptioner captioner = new VideoCaptioner(model(), decoder, CaptionSettings.defaults());
        List<VideoCaptions> seen = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();

        RuntimeException thrown = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> captioner.stream(sources, lanes(3, 1L << 30), CaptionProgress.NONE, v -> {
                    seen.add(v);
                    throw new IllegalStateException("the consumer stops the stream");
                }));

        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals("the consumer stops the stream", thrown.getMessage());
        assertTrue(millis < 5_000, "returned " + millis + " ms after the start, with 20 s decodes in flight");
        assertEquals(1, seen.size());
        assertTrue(cancelled.get() >= 2, "the 20 s decodes of videos 1 and 2 (and 3 if its lane started) were cancelled");
        assertEquals(0, decoding.get(), "no decode runs on");
        assertEquals(0, open.get());
        assertEquals(0, heldBytes.get());
        assertTrue(laneThreadsEnd(), "no lane or feed thread is left");
    }

    @Test
    void theLanesFeedEveryEngineOfAPoolAndTheCaptionsStayTheSame() throws Exception {
        List<VideoSource> sources = videos("v0-60", "v1-20", "v2-40", "v3-20", "v4-60", "v5-20", "v6-20", "v7-20");
        answerMillis = 80;
        List<java.util.Set<Long>> perEngine = new ArrayList<>();
        dev.qwenvl.engine.LlmEngineFactory members = new dev.qwenvl.engine.LlmEngineFactory() {
            @Override
            public LlmEngine start(dev.qwenvl.engine.EngineArgs args) {
                java.util.Set<Long> mine = java.util.concurrent.ConcurrentHashMap.newKeySet();
                perEngine.add(mine);
                return new LlmEngine() {
                    @Override
                    public CompletableFuture<Generation> submit(EngineRequest request, SamplingParams sampling) {
                        long id = ((OpaqueVideo) request.video()).id();
                        mine.add(id);
                        CompletableFuture<Generation> f = new CompletableFuture<>();
                        timer.schedule(() -> f.complete(Generation.ofText("cap-" + id)), answerMillis, TimeUnit.MILLISECONDS);
                        return f;
                    }

                    @Override
                    public void close() {
                    }
                };
            }
        };
        List<List<String>> runs = new ArrayList<>();
        for (int lanes : new int[] {1, 3}) {
            perEngine.clear();
            try (QwenVL pool = new QwenVL(QwenVlConfig.builder().modelDir(Path.of("/m")).modelVariant("qwen").build(),
                    args -> dev.qwenvl.engine.EnginePool.start(members, args,
                            List.of(dev.qwenvl.engine.DeviceGroup.CPU, dev.qwenvl.engine.DeviceGroup.CPU,
                                    dev.qwenvl.engine.DeviceGroup.CPU),
                            dev.qwenvl.engine.EnginePool.Options.DEFAULTS.withFill(1)))) { // spread: every engine gets windows
                pool.setup();
                runs.add(captions(new VideoCaptioner(pool, decoder, CaptionSettings.defaults()).caption(sources,
                        lanes(lanes, 1L << 30), CaptionProgress.NONE)));
            }
            if (lanes == 3) {
                assertEquals(3, perEngine.size());
                perEngine.forEach(e -> assertTrue(!e.isEmpty(), "every engine of the pool got windows: " + perEngine));
                assertEquals(16, perEngine.stream().mapToInt(java.util.Set::size).sum(), "each window went to one engine");
            }
        }
        assertEquals(runs.get(0), runs.get(1));
    }

    @Test
    void aDecodeLaneGivesFfmpegItsShareOfTheCores() {
        assertEquals(16, DecodeLane.codecThreads(1, 16));
        assertEquals(2, DecodeLane.codecThreads(8, 16));
        assertEquals(1, DecodeLane.codecThreads(2, 2));
        assertEquals(1, DecodeLane.codecThreads(3, 2), "never below one thread");
        assertEquals(2, DecodeLane.codecThreads(1, 2));
    }

    private static boolean laneThreadsEnd() throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (System.nanoTime() < end) {
            boolean any = Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive()
                    && (t.getName().startsWith("qwenvl-decode-lane-") || t.getName().equals("qwenvl-captioner-feed")));
            if (!any) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }
}
