package dev.qwenvl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.qwenvl.engine.EngineRequest;
import dev.qwenvl.engine.LlmEngine;
import dev.qwenvl.engine.SamplingParams;
import dev.qwenvl.engine.VideoPayload;
import dev.qwenvl.jep.FeedProbes;
import dev.qwenvl.jep.PythonFrames;
import dev.qwenvl.model.ModelVariant;
import dev.qwenvl.model.QwenVlConfig;
import dev.qwenvl.video.DecodeLane;
import dev.qwenvl.video.PreparedVideo;
import dev.qwenvl.video.VideoDecoder;
import dev.qwenvl.video.VideoInfo;
import dev.qwenvl.video.VideoSource;
import dev.qwenvl.video.VideoWindow;
import dev.qwenvl.video.Windowing;
import dev.qwenvl.video.WindowingConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feed benchmark's pieces that need no Python: settings, ratios, the report, the prepared-video decoder. */
class FeedBenchmarkTest {

    private static final Path WORK = Path.of("/tmp/feed-work");

    @Test
    void defaultsAreTheIssuesWorkload() {
        FeedConfig c = FeedConfig.builder(WORK).build();
        assertEquals(20, c.generatedClips());
        assertEquals(20.0, c.clipSeconds());
        assertEquals(512, c.maxOutputTokens());
        assertEquals(2, c.decodeThreads());
        assertEquals(8, c.poolEngines());
        assertEquals(6.0, c.poolStepMs());
        assertEquals(dev.qwenvl.engine.EnginePool.Options.DEFAULT_FILL, c.poolFill(), "the library's own routing");
        assertEquals(1, FeedBenchmark.modelConfig(FeedConfig.builder(WORK).poolFill(1).build(), WORK, 8, 6).poolFill());
        assertEquals(BenchmarkArchitecture.PUBLISHED, c.architecture());
    }

    @Test
    void theInstantCoresOwnEngineArgumentsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeedConfig.builder(WORK).extraEngineArgs(Map.of("distributed_executor_backend", "mp")).build());
        assertTrue(e.getMessage().contains("distributed_executor_backend is the feed benchmark's own"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FeedConfig.builder(WORK).decodeThreads(0).build());
        assertThrows(IllegalArgumentException.class, () -> FeedConfig.builder(WORK).pool(0, 6).build());
        assertThrows(IllegalArgumentException.class, () -> FeedConfig.builder(WORK).pool(8, -1).build());
        assertThrows(IllegalArgumentException.class, () -> FeedConfig.builder(WORK).poolFill(0).build());
    }

    @Test
    void everyEnginePassRunsTheInstantCoreWithoutTheProcessorCacheAndThePoolOnOneDeviceGroupPerEngine() {
        FeedConfig c = FeedConfig.builder(WORK).build();
        QwenVlConfig one = FeedBenchmark.modelConfig(c, WORK, 1, 0);
        assertTrue(one.devices().isDefault());
        assertTrue(one.disableMmcache());
        assertFalse(one.fp8());
        assertEquals("qwenvl_bridge.instant_core.InstantExecutor", one.extraEngineArgs().get("distributed_executor_backend"));
        assertEquals(Map.of("qwenvl_instant_core", Map.of("step_ms", 0.0)), one.extraEngineArgs().get("additional_config"));
        QwenVlConfig pool = FeedBenchmark.modelConfig(c, WORK, 8, 6);
        assertEquals("cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu", pool.devices().toString().replace(" ", ""));
        assertEquals(Map.of("qwenvl_instant_core", Map.of("step_ms", 6.0)), pool.extraEngineArgs().get("additional_config"));
    }

    @Test
    void bothLaneRatiosAreTakenWithinOneReport() {
        FeedReport r = report(new FeedPhase("decode_1_lane", "", 40, 0, 20, 1, null),
                new FeedPhase("decode_1_lane_1_thread", "", 40, 0, 25, 1, null),
                new FeedPhase("decode_2_lanes", "", 40, 0, 10, 1, null),
                new FeedPhase("pipeline", "", 40, 0, 12.5, 2, null),
                new FeedPhase("pool_8", "", 40, 0, 12.5, 2, null));
        assertEquals(2.0, r.lanesRatio(), 1e-9);
        assertEquals(2.5, r.lanesRatioSameThreads(), 1e-9);
        assertEquals(0.8, r.pipelineRatio(), 1e-9);
        assertEquals(1.0, r.poolRatio(), 1e-9);
        assertEquals(50.0, r.pipeline().pythonCpuMsPerWindow(), 1e-9);
        List<String> lines = r.lines();
        int oneLane = FeedReport.decodeOneLaneThreads();
        assertTrue(lines.contains("feed: ratio decode-only 2 lanes / 1 lane, FFmpeg threads by the lane rule (1 per lane against "
                + oneLane + "; what a user gets): 2.000"), lines.toString());
        assertTrue(lines.contains("feed: ratio decode-only 2 lanes / 1 lane, 1 FFmpeg thread per lane in both "
                + "(how the lanes scale): 2.500"), lines.toString());
        assertTrue(lines.contains("feed: ratio pipeline / decode-only (2 lanes): 0.800"), lines.toString());
        assertTrue(lines.contains("feed: ratio pool of 8 at 6.0 ms / 1 engine (the pipeline before and after the pool): 1.000"),
                lines.toString());
        assertTrue(lines.contains("feed: pool_8 windows per engine: 22, 18, 0, 0, 0, 0, 0, 0 (2 of 8 engines took windows; "
                + "fill 4: an engine takes 4 before a less busy one gets any)"), lines.toString());
        assertEquals(2, r.poolEnginesUsed());
        assertTrue(lines.contains("feed: ceiling per JVM (frontend-only, the GIL-bound part lanes cannot lift): 8.00 windows/s"),
                lines.toString());
        assertEquals(List.of("decode_1_lane", "decode_1_lane_1_thread", "decode_2_lanes", "frontend", "pipeline", "pool_8",
                        "pipeline_again"),
                r.phases().stream().map(FeedPhase::key).toList());
    }

    @Test
    void aPassSplitsItsCpuPerWindowBetweenTheJvmAndTheEngineCoresAndCountsStepsPerWindow() {
        FeedPhase pool = new FeedPhase("pool_8", "", 40, 0, 20, 16, 4, 30, 12, 20480, 30720, null);
        assertEquals(100.0, pool.pythonCpuMsPerWindow(), 1e-9);
        assertEquals(750.0, pool.processCpuMsPerWindow(), 1e-9);
        assertEquals(300.0, pool.childCpuMsPerWindow(), 1e-9);
        assertEquals(512.0, pool.stepsPerWindow(), 1e-9);
        assertEquals(1.5, pool.meanBatch(), 1e-9);
        assertEquals(2.5, pool.fedWindowsPerSecond(), 1e-9);
        assertTrue(pool.line().contains("2.00 windows/s (40 windows in 20.00 s, 0 videos failed; fed 2.50 windows/s: "
                + "the last handed to an engine at 16.00 s; Python threads' CPU 100.0 ms per window"), pool.line());
        assertTrue(Double.isNaN(new FeedPhase("decode_1_lane", "", 40, 0, 20, 4, null).fedWindowsPerSecond()));
        assertTrue(pool.line().contains("JVM process CPU 750.0 ms, engine-core processes' CPU 300.0 ms, "
                + "512.0 engine steps per window at 1.50 requests per step"), pool.line());
        FeedPhase javaSide = new FeedPhase("decode_1_lane", "", 40, 0, 20, Double.NaN, 4, 30, 0, 0, 0, null);
        assertTrue(Double.isNaN(javaSide.meanBatch()));
        assertFalse(javaSide.line().contains("steps per window"), javaSide.line());
    }

    @Test
    void theSameThreadsDecoderGivesEveryLaneItsThreadCountAndKeepsTheLanesCancelCheck() {
        List<DecodeLane> seen = new java.util.ArrayList<>();
        VideoDecoder recording = new VideoDecoder() {
            @Override
            public VideoInfo probe(VideoSource source) {
                return new VideoInfo(600, 30, 640, 360, 0);
            }

            @Override
            public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean pre) {
                throw new AssertionError("the lane's prepare must be called");
            }

            @Override
            public PreparedVideo prepare(VideoSource source, List<VideoWindow> windows, String family, boolean pre,
                                         DecodeLane lane) {
                seen.add(lane);
                return null;
            }
        };
        BooleanSupplier cancelled = () -> true;
        VideoDecoder same = new SameThreadsDecoder(recording, 1);
        same.prepare(null, List.of(), "qwen2.5", false, new DecodeLane(2, cancelled));
        same.prepare(null, List.of(), "qwen2.5", false);
        assertEquals(1, seen.get(0).codecThreads());
        assertSame(cancelled, seen.get(0).cancelled());
        assertEquals(1, seen.get(1).codecThreads());
        assertThrows(IllegalArgumentException.class, () -> new SameThreadsDecoder(recording, 0));
    }

    @Test
    void aPassThatDidNotRunSaysWhyAndItsRatiosAreNotNumbers() {
        FeedPhase failed = FeedPhase.failed("pool_8", "", "engine 3 of 8 did not start");
        FeedReport r = report(new FeedPhase("decode_1_lane", "", 40, 0, 20, 1, null),
                new FeedPhase("decode_1_lane_1_thread", "", 40, 0, 20, 1, null),
                new FeedPhase("decode_2_lanes", "", 40, 0, 10, 1, null),
                new FeedPhase("pipeline", "", 40, 0, 12.5, 2, null), failed);
        assertTrue(Double.isNaN(r.poolRatio()));
        assertTrue(Double.isNaN(r.poolFedRatio()));
        assertTrue(r.lines().contains("feed: pool_8: did not run: engine 3 of 8 did not start"), r.lines().toString());
    }

    /** A report whose pipeline after the pool did not run: the pool is compared with the pipeline before it. */
    private static FeedReport report(FeedPhase one, FeedPhase oneSame, FeedPhase lanes, FeedPhase pipeline, FeedPhase pool) {
        return report(one, oneSame, lanes, pipeline, pool, FeedPhase.failed("pipeline_again", "", "not run"));
    }

    private static FeedReport report(FeedPhase one, FeedPhase oneSame, FeedPhase lanes, FeedPhase pipeline, FeedPhase pool,
                                     FeedPhase pipelineAgain) {
        FeedPhase frontend = new FeedPhase("frontend", "", 40, 0, 5, 2, null);
        return new FeedReport(Accelerator.cpu(), ModelVariant.QWEN, BenchmarkArchitecture.PUBLISHED, 20, 512, 2, 1, 8, 6,
                4, List.of(22, 18, 0, 0, 0, 0, 0, 0), 240, one, oneSame, lanes, frontend, pipeline, pool, pipelineAgain);
    }

    @Test
    void thePoolIsComparedWithTheMeanOfThePipelineBeforeAndAfterIt() {
        FeedReport r = report(new FeedPhase("decode_1_lane", "", 40, 0, 20, 1, null),
                new FeedPhase("decode_1_lane_1_thread", "", 40, 0, 20, 1, null),
                new FeedPhase("decode_2_lanes", "", 40, 0, 10, 1, null),
                new FeedPhase("pipeline", "", 40, 0, 10, 2, null),   // 4 windows/s
                new FeedPhase("pool_8", "", 40, 0, 20, 2, null),     // 2 windows/s
                new FeedPhase("pipeline_again", "", 40, 0, 40, 2, null)); // 1 window/s: the machine slowed down
        assertEquals(2.0 / 2.5, r.poolRatio(), 1e-9);
        assertEquals(1.0, r.pipelineRatio(), 1e-9, "the pipeline before the pool, next to the decode passes");
        assertEquals("pipeline_again", r.phases().get(r.phases().size() - 1).key());
        assertTrue(r.lines().contains("feed: ratio pool of 8 at 6.0 ms / 1 engine (the pipeline before and after the pool): "
                + "0.800"), r.lines().toString());
    }

    @Test
    void cpuBetweenTwoReadingsCountsNewThreadsWholeAndNeverGoesBack() {
        double cpu = FeedProbes.cpuSecondsBetween(Map.of(1L, 2.0, 2L, 5.0), Map.of(1L, 3.5, 2L, 5.0, 3L, 0.25));
        assertEquals(1.75, cpu, 1e-9);
        assertThrows(IllegalArgumentException.class, () -> FeedProbes.instantCoreEngineArgs(-1));
    }

    @Test
    void preparedVideosHandTheSameFramesBackAndReleaseThemOnlyWhenClosed(@TempDir Path dir) throws Exception {
        VideoSource source = new VideoSource.VideoFile(Files.writeString(dir.resolve("a.mp4"), "not read"));
        VideoInfo info = new VideoInfo(600, 30, 640, 360, 0);
        List<VideoWindow> windows = Windowing.plan(600, 30, WindowingConfig.defaults());
        List<VideoPayload> payloads = windows.stream().<VideoPayload>map(w -> new PythonFrames(w.windowIndex() + 1)).toList();
        AtomicInteger released = new AtomicInteger();
        PreparedVideo video = new PreparedVideo(source, windows, payloads, released::incrementAndGet);
        try (PreparedVideos prepared = new PreparedVideos()) {
            prepared.record(info, video);
            assertEquals(windows.size(), prepared.windows());
            assertSame(info, prepared.probe(source));
            PreparedVideo again = prepared.prepare(source, windows, "qwen2.5", false);
            assertEquals(payloads, again.payloads());
            again.close();
            assertEquals(0, released.get());
            assertThrows(IllegalStateException.class, () -> prepared.prepare(source, windows.subList(0, 1), "qwen2.5", false));
        }
        assertEquals(1, released.get());
    }

    @Test
    void aBorrowedEngineAnswersThroughItsOwnersEngineAndIsNotClosedWithTheBorrower() throws Exception {
        AtomicInteger closed = new AtomicInteger();
        AtomicInteger submitted = new AtomicInteger();
        LlmEngine owned = new LlmEngine() {
            @Override
            public java.util.concurrent.CompletableFuture<dev.qwenvl.engine.Generation> submit(EngineRequest r, SamplingParams p) {
                submitted.incrementAndGet();
                return java.util.concurrent.CompletableFuture.completedFuture(dev.qwenvl.engine.Generation.ofText("owned"));
            }

            @Override
            public void close() {
                closed.incrementAndGet();
            }
        };
        BorrowedEngine borrowed = new BorrowedEngine(owned);
        EngineRequest request = new EngineRequest("prompt", new PythonFrames(1));
        assertEquals("owned", borrowed.submit(request, new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), 0)).getNow(null).text());
        assertEquals(1, submitted.get());
        borrowed.close();
        assertEquals(0, closed.get());
    }

    @Test
    void thePoolsFedRatioLeavesOutTheEnginesTimeForTheLastWindows() {
        FeedReport r = report(new FeedPhase("decode_1_lane", "", 40, 0, 20, 1, null),
                new FeedPhase("decode_1_lane_1_thread", "", 40, 0, 20, 1, null),
                new FeedPhase("decode_2_lanes", "", 40, 0, 10, 1, null),
                new FeedPhase("pipeline", "", 40, 0, 20.1, 20, 2, 30, 1, 2000, 8000, null),
                new FeedPhase("pool_8", "", 40, 0, 23.1, 20, 2, 30, 3, 20480, 30720, null));
        assertEquals(20.1 / 23.1, r.poolRatio(), 1e-9);
        assertEquals(1.0, r.poolFedRatio(), 1e-9);
        assertTrue(r.lines().contains("feed: ratio pool of 8 at 6.0 ms / 1 engine, windows handed to the engines per second "
                + "(without the engines' time for the last windows): 1.000"), r.lines().toString());
    }

    @Test
    void theSubmitClockTicksOnEverySubmitOfTheEnginesItWatchesAndForgetsOnReset() {
        SubmitClock clock = new SubmitClock();
        long start = System.nanoTime();
        assertTrue(Double.isNaN(clock.secondsSince(start)));
        InstantEngine engine = new InstantEngine();
        LlmEngine watched = clock.watch(engine);
        watched.submit(new EngineRequest("prompt", new PythonFrames(1)), new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), 0));
        double fed = clock.secondsSince(start);
        assertTrue(fed >= 0 && fed <= (System.nanoTime() - start) / 1e9, "" + fed);
        assertEquals(1, engine.requests());
        clock.reset();
        assertTrue(Double.isNaN(clock.secondsSince(start)));
    }

    @Test
    void theJavaSideInstantEngineAnswersAtOnce() throws Exception {
        InstantEngine engine = new InstantEngine();
        EngineRequest request = new EngineRequest("prompt", new PythonFrames(1));
        assertEquals(InstantEngine.CAPTION, engine.submit(request, new SamplingParams(0.1, 0.001, 1.05, 8, List.of(), 0)).getNow(null).text());
        assertEquals(1, engine.requests());
    }
}
