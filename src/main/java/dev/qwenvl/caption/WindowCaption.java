package dev.qwenvl.caption;

import dev.qwenvl.video.VideoWindow;

/**
 * The caption of one window, mapped back to its source.
 *
 * @param video        display name of the source video
 * @param window       the window: index, first/last source frame, start/end seconds
 * @param caption      the model's text (the stage-2 text when stage 2 ran)
 * @param stage        1 or 2: which pass produced {@code caption}
 * @param captionJson  with a caption schema ({@link CaptionSettings#captionSchema()}): the caption as
 *                     compact JSON text, parsed and valid against the schema; {@code null} for free text
 */
public record WindowCaption(String video, VideoWindow window, String caption, int stage, String captionJson) {

    /** A free-text caption. */
    public WindowCaption(String video, VideoWindow window, String caption, int stage) {
        this(video, window, caption, stage, null);
    }

    /** This caption kept as structured JSON: its text is the schema-checked JSON. */
    WindowCaption structured() {
        return new WindowCaption(video, window, caption, stage, caption);
    }
}
