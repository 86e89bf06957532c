package dev.qwenvl.video;

import java.util.List;

/**
 * Small pictures of the frames a window's caption was made from, for people to look at (the review
 * page). The production implementation ({@code dev.qwenvl.jep.JepWindowThumbnails}) decodes with
 * the same decoder as captioning, in the embedded interpreter, and scales the frames down.
 *
 * <p>Thread-safe. Problems with the input raise {@link VideoInputException} naming the input and
 * the reason, as {@link VideoDecoder} does.
 */
public interface WindowThumbnails {

    /**
     * Per window, up to {@code perWindow} JPEG pictures of its sampled frames
     * ({@link VideoWindow#sampledFrameIndices()}), taken evenly with the first and last included
     * (all of them when the window sampled fewer), each scaled so its longer side is at most
     * {@code maxSide} pixels (never enlarged).
     *
     * @return one list per window, in the order of {@code windows}, of JPEG bytes in frame order
     */
    List<List<byte[]>> thumbnails(VideoSource source, List<VideoWindow> windows, int perWindow, int maxSide);
}
