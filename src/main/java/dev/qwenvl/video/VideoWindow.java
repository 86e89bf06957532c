package dev.qwenvl.video;

import java.util.List;
import java.util.Objects;

/**
 * One window of a video and the source frames sampled from it.
 *
 * @param windowIndex position of the window in its video, from 0
 * @param firstFrame first source frame of the window (index into the decoded stream, inclusive)
 * @param lastFrame last source frame of the window (inclusive)
 * @param startSeconds {@code firstFrame / sourceFps}
 * @param endSeconds {@code (lastFrame + 1) / sourceFps}: the end of the window's last frame
 * @param sampledFrameIndices strictly increasing source indices within {@code [firstFrame,
 *     lastFrame]}; an even count
 * @param sampledFps sampled frames per second of window duration ({@code sampledFrameIndices.size()
 *     / (endSeconds - startSeconds)}); becomes the request's {@code fps} processor argument so the
 *     model's time encoding matches the real spacing of the frames
 */
public record VideoWindow(
        int windowIndex,
        int firstFrame,
        int lastFrame,
        double startSeconds,
        double endSeconds,
        List<Integer> sampledFrameIndices,
        double sampledFps) {

    public VideoWindow {
        Objects.requireNonNull(sampledFrameIndices, "sampledFrameIndices");
        sampledFrameIndices = List.copyOf(sampledFrameIndices);
        if (windowIndex < 0 || firstFrame < 0 || lastFrame < firstFrame) {
            throw new IllegalArgumentException("bad window bounds: index " + windowIndex + ", frames "
                    + firstFrame + "-" + lastFrame);
        }
        int previous = firstFrame - 1;
        for (int i : sampledFrameIndices) {
            if (i <= previous || i > lastFrame) {
                throw new IllegalArgumentException("sampled indices must increase strictly within "
                        + firstFrame + "-" + lastFrame + ", got " + sampledFrameIndices);
            }
            previous = i;
        }
    }

    /** Number of source frames in the window. */
    public int frameCount() {
        return lastFrame - firstFrame + 1;
    }

    /** Length of the window in seconds. */
    public double durationSeconds() {
        return endSeconds - startSeconds;
    }

    /** The sampled source indices as an array (for handing to the decoder). */
    public int[] sampledFrameIndexArray() {
        return sampledFrameIndices.stream().mapToInt(Integer::intValue).toArray();
    }
}
