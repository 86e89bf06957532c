package dev.qwenvl.video;

/**
 * What a probe learns about a video without keeping frames.
 *
 * @param frameCount frames the stream holds
 * @param fps        average frames per second (measured from timestamps for files)
 * @param width      frame width after rotation
 * @param height     frame height after rotation
 * @param rotation   degrees clockwise applied to make frames upright (0, 90, 180, 270)
 */
public record VideoInfo(int frameCount, double fps, int width, int height, int rotation) {

    /** Length in seconds. */
    public double durationSeconds() {
        return frameCount / fps;
    }
}
