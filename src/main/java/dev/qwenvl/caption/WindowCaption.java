package dev.qwenvl.caption;

import dev.qwenvl.video.VideoWindow;

/**
 * The caption of one window, mapped back to its source.
 *
 * @param video        display name of the source video
 * @param window       the window: index, first/last source frame, start/end seconds
 * @param caption      the model's text (the stage-2 text when stage 2 ran)
 * @param stage        1 or 2: which pass produced {@code caption}
 */
public record WindowCaption(String video, VideoWindow window, String caption, int stage) {}
