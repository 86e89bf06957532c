package dev.qwenvl.review;

import java.util.List;
import java.util.Map;

/**
 * One window read from a captions file: what every line has, and the facts some lines carry.
 *
 * @param line         line number in the captions file (from 1)
 * @param video        the video's path as captioning wrote it
 * @param window       window index in the video, from 0
 * @param firstFrame   first source frame (inclusive)
 * @param lastFrame    last source frame (inclusive)
 * @param startSeconds window start
 * @param endSeconds   window end
 * @param caption      the caption text
 * @param model        model id, or {@code null}
 * @param stage        1, or 2 when the stage-2 rewrite made the caption
 * @param truncated    whether generation stopped at the output limit: the line's {@code truncated},
 *                     else {@code finish_reason == "length"}, else {@code null} (not recorded)
 * @param seconds      seconds this window took: {@code timings.window_seconds} when recorded, else
 *                     {@code timings.seconds_per_window}, else {@code null}
 * @param structured   the fields of a structured caption ({@code caption_json}), in order, or empty
 * @param facts        every other recorded fact (tokens, finish reason, timings...), as name and text,
 *                     nested objects flattened to {@code outer.inner}
 */
public record ReviewWindow(int line, String video, int window, int firstFrame, int lastFrame, double startSeconds,
                           double endSeconds, String caption, String model, int stage, Boolean truncated,
                           Double seconds, Map<String, String> structured, List<Map.Entry<String, String>> facts) {

    public ReviewWindow {
        structured = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(structured));
        facts = List.copyOf(facts);
    }

    /** Caption length in characters (code points). */
    public int captionLength() {
        return caption.codePointCount(0, caption.length());
    }
}
