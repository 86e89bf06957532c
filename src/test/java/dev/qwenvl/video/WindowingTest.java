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

    /** Sample counts at the default 2 fps, rounded down to even, clamped to [4, min(768, n)]. */
    @ParameterizedTest(name = "{0} frames at {1} fps -> {2} samples")
    @CsvSource({
        // 30 fps
        "300, 30, 20",   // 10 s -> 20
        "256, 30, 16",   // 8.533 s -> 17.07 -> 16
        "144, 30, 8",    // 4.8 s -> 9.6 -> 8
        "344, 30, 22",   // 11.47 s -> 22.93 -> 22
        "4, 30, 4",      // 0.133 s -> 0.27 -> minimum 4
        "60, 30, 4",     // 2 s -> 4
        "75, 30, 4",     // 2.5 s -> 5 -> 4 (even below)
        "90, 30, 6",     // 3 s -> 6
        // 25 fps
        "300, 25, 24",   // 12 s -> 24
        "256, 25, 20",   // 10.24 s -> 20.48 -> 20
        "144, 25, 10",   // 5.76 s -> 11.52 -> 10
        "344, 25, 26",   // 13.76 s -> 27.52 -> 26
        "100, 25, 8",    // 4 s -> 8
        "5, 25, 4",      // minimum 4, window of 5 allows it
        // window-size cap: low source fps wants more samples than frames exist
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
        assertEquals(16, first.sampledFrameIndices().size());
        assertEquals(0.0, first.startSeconds(), 1e-9);
        assertEquals(256 / 30.0, first.endSeconds(), 1e-9);
        assertEquals(16 / (256 / 30.0), first.sampledFps(), 1e-9); // 1.875
        assertEquals(0, first.sampledFrameIndices().get(0));
        assertEquals(255, first.sampledFrameIndices().get(15));
        VideoWindow second = windows.get(1);
        assertEquals(1, second.windowIndex());
        assertEquals(8, second.sampledFrameIndices().size());
        assertEquals(256, second.sampledFrameIndices().get(0));
        assertEquals(399, second.sampledFrameIndices().get(7));
        assertEquals(256 / 30.0, second.startSeconds(), 1e-9);
        assertEquals(400 / 30.0, second.endSeconds(), 1e-9);
        assertEquals(8 / 4.8, second.sampledFps(), 1e-9);
    }

    @Test
    void plannedWindowsAt25Fps() {
        List<VideoWindow> windows = Windowing.plan(600, 25.0, DEFAULTS);
        assertEquals(List.of(20, 26), windows.stream().map(w -> w.sampledFrameIndices().size()).toList());
        assertEquals(24, Windowing.plan(300, 25.0, DEFAULTS).get(0).sampledFrameIndices().size());
    }

    @Test
    void evenlySpacedIndicesIncludeBothEndsAndRoundHalfUp() {
        assertEquals(List.of(0, 100, 199, 299), Windowing.evenlySpaced(0, 299, 4)); // 99.67, 199.33
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
