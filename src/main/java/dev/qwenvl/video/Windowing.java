package dev.qwenvl.video;

import java.util.ArrayList;
import java.util.List;

/**
 * Cuts a video into windows and chooses which source frames of each window reach the model. Pure
 * arithmetic over frame counts: no decoding happens here.
 *
 * <h2>Windows (over source frames)</h2>
 * A video of at most {@code windowFrames} frames is one window. A longer one is cut into full
 * windows of {@code windowFrames}; the remainder becomes a window of its own when it has at least
 * {@code minRemainderFrames} frames, and otherwise extends the last full window. With the defaults:
 * 300 frames give 0-299; 400 give 0-255 and 256-399; 600 give 0-255 and 256-599. A video with fewer
 * than {@code minSampledFrames} frames is rejected with {@link VideoInputException.Reason#TOO_FEW_FRAMES}.
 *
 * <h2>Samples per window</h2>
 * For a window of {@code n} source frames at {@code sourceFps}:
 * <ol>
 *   <li>{@code wanted = n / sourceFps * samplingFps} (seconds of video times sampling rate);
 *   <li>clamped to {@code [minSampledFrames, min(maxSampledFrames, n) rounded down to even]};
 *   <li><b>rounded to the nearest multiple of 2</b>, ties to even ({@code 2 * rint(x / 2)}: the
 *       model merges frames in pairs).
 * </ol>
 * This is NeMo Curator's {@code smart_nframes} (nemo_curator/utils/windowing_utils.py), Python's
 * {@code round} included. Examples at 2 fps: 256 frames at 30 fps (8.53 s, 17.07) give 18; at 24 fps
 * (21.33) 22; at 10 fps (51.2) 52; 300 frames at 30 fps (10 s) give 20.
 *
 * <h2>Which frames</h2>
 * {@code count} indices evenly spaced over the window, first and last frame included:
 * {@code firstFrame + rint(i * (n - 1) / (count - 1))} for {@code i = 0..count-1}, with
 * {@link Math#rint(double)} (half to even, as {@code torch.linspace(...).round()} in Curator and
 * qwen-vl-utils). Because {@code count <= n} the spacing is at least one frame, so the indices
 * strictly increase. The window's sampled rate, which the model reads as the video's fps, is
 * {@code count / window seconds}, qwen-vl-utils' {@code sample_fps}.
 *
 * <p>With a variable frame rate, {@code sourceFps} should be the average rate (frames / duration,
 * as the Python probe reports); samples are then evenly spaced in frames, approximately in time.
 */
public final class Windowing {

    private Windowing() {}

    /**
     * Plans the windows of a video.
     *
     * @param frameCount decodable source frames of the video
     * @param sourceFps average frames per second of the source (positive, finite)
     * @param config windowing settings
     * @return the windows in order, never empty
     * @throws VideoInputException with {@code TOO_FEW_FRAMES} when {@code frameCount < minSampledFrames},
     *     or {@code BAD_FPS} when {@code sourceFps} is not positive and finite
     */
    public static List<VideoWindow> plan(int frameCount, double sourceFps, WindowingConfig config) {
        return plan("video", frameCount, sourceFps, config);
    }

    /** As {@link #plan(int, double, WindowingConfig)}, naming the video in errors. */
    public static List<VideoWindow> plan(String sourceName, int frameCount, double sourceFps, WindowingConfig config) {
        if (!FrameRates.isSane(sourceFps)) {
            throw new VideoInputException(sourceName, VideoInputException.Reason.BAD_FPS,
                    "frame rate must be a positive number " + FrameRates.range() + ", got " + sourceFps
                            + "; check the video's timestamps or pass the frame rate explicitly");
        }
        if (frameCount < config.minSampledFrames()) {
            throw new VideoInputException(sourceName, VideoInputException.Reason.TOO_FEW_FRAMES,
                    "has " + frameCount + " frame(s) but at least " + config.minSampledFrames()
                            + " are needed for a caption; use a longer clip");
        }
        List<int[]> bounds = windowBounds(frameCount, config);
        List<VideoWindow> windows = new ArrayList<>(bounds.size());
        for (int w = 0; w < bounds.size(); w++) {
            int first = bounds.get(w)[0];
            int last = bounds.get(w)[1];
            windows.add(window(w, first, last, sourceFps, config));
        }
        return List.copyOf(windows);
    }

    /** Inclusive {first, last} source-frame bounds of each window (rule in the class comment). */
    static List<int[]> windowBounds(int frameCount, WindowingConfig config) {
        int size = config.windowFrames();
        List<int[]> bounds = new ArrayList<>();
        if (frameCount <= size) {
            bounds.add(new int[] {0, frameCount - 1});
            return bounds;
        }
        int full = frameCount / size;
        int remainder = frameCount % size;
        for (int w = 0; w < full; w++) {
            bounds.add(new int[] {w * size, (w + 1) * size - 1});
        }
        if (remainder >= config.minRemainderFrames()) {
            bounds.add(new int[] {full * size, frameCount - 1});
        } else if (remainder > 0) {
            bounds.get(full - 1)[1] = frameCount - 1;
        }
        return bounds;
    }

    /**
     * Frames to sample from a window of {@code windowFrameCount} source frames (rule and rounding in
     * the class comment).
     */
    public static int sampleCount(int windowFrameCount, double sourceFps, WindowingConfig config) {
        double wanted = windowFrameCount / sourceFps * config.samplingFps();
        int ceiling = Math.min(config.maxSampledFrames(), windowFrameCount) / 2 * 2;
        double clamped = Math.min(Math.max(wanted, config.minSampledFrames()), ceiling);
        int even = (int) (2 * Math.rint(clamped / 2));
        if (even < 2 || even > windowFrameCount) {
            throw new IllegalArgumentException("a window of " + windowFrameCount + " frames cannot give an even sample");
        }
        return even;
    }

    /** {@code count} evenly spaced indices over {@code [first, last]}, both ends included. */
    static List<Integer> evenlySpaced(int first, int last, int count) {
        int n = last - first + 1;
        List<Integer> indices = new ArrayList<>(count);
        if (count == 1) {
            indices.add(first);
            return indices;
        }
        double step = (double) (n - 1) / (count - 1);
        for (int i = 0; i < count; i++) {
            indices.add(first + (int) Math.rint(i * step));
        }
        return indices;
    }

    private static VideoWindow window(int index, int first, int last, double sourceFps, WindowingConfig config) {
        int n = last - first + 1;
        int count = sampleCount(n, sourceFps, config);
        double start = first / sourceFps;
        double end = (last + 1) / sourceFps;
        return new VideoWindow(index, first, last, start, end, evenlySpaced(first, last, count), count / (end - start));
    }
}
