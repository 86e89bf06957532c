package dev.qwenvl.video;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WindowingTest {
    private static final WindowingConfig DEFAULTS = WindowingConfig.defaults();

    private static String bounds(List<VideoWindow> windows) {
        return windows.stream().map(w -> w.firstFrame() + "-" + w.lastFrame()).collect(Collectors.joining(","));
    }

    @ParameterizedTest(name = "{0} frames -> {1}")
    @CsvSource(delimiter = ';', value = {
        "4;0-3",
        "256;0-255",
        "257;0-256",
        "300;0-299",
        "383;0-382",
        "384;0-255,256-383",
        "400;0-255,256-399",
        "512;0-255,256-511",
        "600;0-255,256-599",
        "640;0-255,256-511,512-639",
        "1200;0-255,256-511,512-767,768-1023,1024-1199"
    })
    void windowBoundsFollowTheRemainderRule(int frames, String expected) {
        assertEquals(expected, bounds(Windowing.plan(frames, 30.0, DEFAULTS)));
    }

    @Test
    void tooFewFramesIsATypedErrorNamingTheCount() {
        VideoInputException e = assertThrows(VideoInputException.class, () -> Windowing.plan("clip-7", 3, 30.0, DEFAULTS));
        assertEquals(VideoInputException.Reason.TOO_FEW_FRAMES, e.reason());
        assertEquals("clip-7", e.source());
        assertTrue(e.getMessage().contains("has 3 frame(s)"), e.getMessage());
        assertTrue(e.getMessage().contains("at least 4"), e.getMessage());
    }

    @Test
    void badFpsIsATypedError() {
        for (double fps : new double[] {0.0, -1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
            VideoInputException e = assertThrows(VideoInputException.class, () -> Windowing.plan(100, fps, DEFAULTS));
            assertEquals(VideoInputException.Reason.BAD_FPS, e.reason());
        }
    }

    /**
     * NeMo Curator HEAD's frame counts (nemo_curator/utils/windowing_utils.py: compute_windows with
     * 256 / 128, smart_nframes at 2 fps: seconds x 2, clamped to [4, min(768, n) floored to even],
     * rounded to the nearest multiple of 2 with Python's round), derived by running that code.
     * Full windows of 256 frames and the remainder windows of 400-, 600- and 1000-frame videos
     * (144, 344 and 232 frames) and of a 300-frame video (one window, extended to 300).
     */
    @ParameterizedTest(name = "{0} frames at {1} fps -> {2} samples")
    @CsvSource({
        "256, 30, 18", "144, 30, 10", "344, 30, 22", "232, 30, 16", "300, 30, 20",
        "256, 29.97, 18", "144, 29.97, 10", "344, 29.97, 22", "232, 29.97, 16", "300, 29.97, 20",
        "256, 24, 22", "144, 24, 12", "344, 24, 28", "232, 24, 20", "300, 24, 24",
        "256, 23.976, 22", "144, 23.976, 12", "344, 23.976, 28", "232, 23.976, 20", "300, 23.976, 26",
        "256, 10, 52", "144, 10, 28", "344, 10, 68", "232, 10, 46", "300, 10, 60",
        "256, 50, 10", "144, 50, 6", "344, 50, 14", "232, 50, 10", "300, 50, 12",
    })
    void sampleCountsMatchCuratorHead(int frames, double fps, int expected) {
        assertEquals(expected, Windowing.sampleCount(frames, fps, DEFAULTS));
    }

    /** Edges of the rule: the minimum, ties (to even, as Python's round), the window-size cap. */
    @ParameterizedTest(name = "{0} frames at {1} fps -> {2} samples")
    @CsvSource({
        "4, 30, 4",      // 0.133 s -> 0.27 -> minimum 4
        "60, 30, 4",     // 2 s -> 4
        "75, 30, 4",     // 2.5 s -> 5: 5 / 2 = 2.5 ties to 2 -> 4
        "105, 30, 8",    // 3.5 s -> 7: 7 / 2 = 3.5 ties to 4 -> 8
        "90, 30, 6",     // 3 s -> 6
        "256, 25, 20",   // 10.24 s -> 20.48 -> 20
        "5, 25, 4",      // minimum 4, window of 5 allows it
        "5, 1, 4",       // wants 10, window has 5 (odd) -> 4
        "7, 1, 6",       // wants 14, window has 7 -> 6
        "256, 2, 256",   // wants 256 = all frames
        "257, 1, 256",   // wants 514, odd window 257 -> 256
    })
    void sampleCountsAtDefaultSamplingRate(int frames, double fps, int expected) {
        assertEquals(expected, Windowing.sampleCount(frames, fps, DEFAULTS));
    }

    @Test
    void maxSampledFramesCapsTheCount() {
        WindowingConfig config = WindowingConfig.builder().windowFrames(10_000).minRemainderFrames(128).build();
        // 10000 frames at 1 fps -> wants 20000 -> cap 768
        assertEquals(768, Windowing.sampleCount(10_000, 1.0, config));
        WindowingConfig small = config.toBuilder().maxSampledFrames(10).build();
        assertEquals(10, Windowing.sampleCount(10_000, 1.0, small));
    }

    @Test
    void plannedWindowsAt30FpsHaveExpectedSamplesTimesAndFps() {
        List<VideoWindow> windows = Windowing.plan(400, 30.0, DEFAULTS);
        assertEquals(2, windows.size());
        VideoWindow first = windows.get(0);
        assertEquals(0, first.windowIndex());
        assertEquals(18, first.sampledFrameIndices().size());
        assertEquals(0.0, first.startSeconds(), 1e-9);
        assertEquals(256 / 30.0, first.endSeconds(), 1e-9);
        // qwen-vl-utils' sample_fps: frames taken / window seconds = 18 / 256 * 30
        assertEquals(2.109375, first.sampledFps(), 1e-12);
        assertEquals(List.of(0, 15, 30, 45), first.sampledFrameIndices().subList(0, 4)); // step 255 / 17 = 15
        assertEquals(255, first.sampledFrameIndices().get(17));
        VideoWindow second = windows.get(1);
        assertEquals(1, second.windowIndex());
        assertEquals(10, second.sampledFrameIndices().size());
        assertEquals(256, second.sampledFrameIndices().get(0));
        assertEquals(399, second.sampledFrameIndices().get(9));
        assertEquals(256 / 30.0, second.startSeconds(), 1e-9);
        assertEquals(400 / 30.0, second.endSeconds(), 1e-9);
        assertEquals(10 / 4.8, second.sampledFps(), 1e-9);
    }

    @Test
    void plannedWindowsAt25Fps() {
        List<VideoWindow> windows = Windowing.plan(600, 25.0, DEFAULTS);
        assertEquals(List.of(20, 28), windows.stream().map(w -> w.sampledFrameIndices().size()).toList());
        assertEquals(24, Windowing.plan(300, 25.0, DEFAULTS).get(0).sampledFrameIndices().size());
    }

    @Test
    void evenlySpacedIndicesIncludeBothEndsAndRoundHalfToEvenAsTorch() {
        assertEquals(List.of(0, 100, 199, 299), Windowing.evenlySpaced(0, 299, 4)); // 99.67, 199.33
        assertEquals(List.of(0, 2, 5), Windowing.evenlySpaced(0, 5, 3)); // 2.5 -> 2, as torch.round
        assertEquals(List.of(0, 4, 7), Windowing.evenlySpaced(0, 7, 3)); // 3.5 -> 4
        assertEquals(List.of(10, 11, 12, 13), Windowing.evenlySpaced(10, 13, 4));
        assertEquals(List.of(0, 2, 3, 5), Windowing.evenlySpaced(0, 5, 4)); // 1.667, 3.333
        List<Integer> twenty = Windowing.plan(300, 30.0, DEFAULTS).get(0).sampledFrameIndices();
        assertEquals(20, twenty.size());
        assertEquals(List.of(0, 16, 31, 47, 63), twenty.subList(0, 5)); // step 299/19 = 15.74
        assertEquals(299, twenty.get(19));
    }

    @Test
    void indicesAlwaysIncreaseStrictlyAndStayInTheirWindow() {
        for (int frames = 4; frames <= 1500; frames += 7) {
            for (double fps : new double[] {1.0, 2.0, 24.0, 25.0, 29.97, 30.0, 60.0}) {
                int expectedFirst = 0;
                for (VideoWindow w : Windowing.plan(frames, fps, DEFAULTS)) {
                    assertEquals(expectedFirst, w.firstFrame());
                    int n = w.sampledFrameIndices().size();
                    assertTrue(n % 2 == 0 && n >= 4 && n <= Math.min(768, w.frameCount()), w.toString());
                    expectedFirst = w.lastFrame() + 1; // the record's constructor checks ordering
                }
                assertEquals(frames, expectedFirst);
            }
        }
    }

    @Test
    void customConfigurationChangesTheRule() {
        WindowingConfig config = WindowingConfig.builder().windowFrames(100).minRemainderFrames(50).build();
        assertEquals("0-99,100-149", bounds(Windowing.plan(150, 30.0, config)));
        assertEquals("0-148", bounds(Windowing.plan(149, 30.0, config)));
    }
}
